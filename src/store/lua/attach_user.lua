--[[
attach_user: add a user id to its location's member set, only if the location exists.
Paired with remove_location (same slot) so a location can never be removed while a user is
being added to it.

KEYS[1]  vp:{l:<id>}:location
KEYS[2]  vp:{l:<id>}:users
ARGV[1]  the user id

Returns 1 when attached, 0 when the location does not exist (nothing written).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
