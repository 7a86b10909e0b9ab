--[[
update_if_exists: set fields of a hash only if it exists, so an update racing a removal
never resurrects a partial record.

KEYS[1]  the hash
ARGV     field, value, field, value, ...

Returns 1 when updated, 0 when the key does not exist (nothing written).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
