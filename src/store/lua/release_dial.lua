--[[
release_dial: free dialable identifiers, but only those still held by the given owner
(a concurrent new owner keeps its claim).

KEYS[1]  vp:idx:dial
ARGV[1]  the owner value ('u:<id>' or 'l:<id>')
ARGV[2..] the digits to free

Returns how many were freed.
]]
local index, owner, freed = KEYS[1], ARGV[1], 0
for i = 2, #ARGV do
  if redis.call('HGET', index, ARGV[i]) == owner then
    redis.call('HDEL', index, ARGV[i])
    freed = freed + 1
  end
end
return freed
