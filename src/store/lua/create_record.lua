--[[
create_record: create a hash only if the key does not exist yet (a user or a location).

KEYS[1]  the hash to create
ARGV     field, value, field, value, ...

Returns 1 when created, 0 when the key already existed (nothing written).
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
