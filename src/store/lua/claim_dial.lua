--[[
claim_dial: reserve dialable identifiers (user extension/number, portal number/extension)
for one owner, all or none. One namespace for users and portals enforces "a portal number
or extension never equals a user's, and vice versa".

KEYS[1]  vp:idx:dial   (hash: digits -> 'u:<userId>' | 'l:<locationId>')
ARGV[1]  the owner value ('u:<id>' or 'l:<id>')
ARGV[2..] the digits to claim

Returns {1} when every identifier now belongs to the owner (already owning one is fine),
or {0, digits, currentOwner} for the first identifier held by someone else (nothing written).
]]
local index, owner = KEYS[1], ARGV[1]
for i = 2, #ARGV do
  local current = redis.call('HGET', index, ARGV[i])
  if current and current ~= owner then
    return {0, ARGV[i], current}
  end
end
for i = 2, #ARGV do
  redis.call('HSET', index, ARGV[i], owner)
end
return {1}
