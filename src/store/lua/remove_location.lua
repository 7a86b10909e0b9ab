--[[
remove_location: delete a location, refused while it has users.

KEYS[1]  vp:{l:<id>}:location
KEYS[2]  vp:{l:<id>}:users
ARGV     (none)

Returns {'ok', portalNumber, portalExtension} (the caller frees them in the dial index;
'' when absent), {'has-users', count} (nothing written) or {'missing'}.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'missing'}
end
local users = redis.call('SCARD', KEYS[2])
if users > 0 then
  return {'has-users', users}
end
local number = redis.call('HGET', KEYS[1], 'portalNumber') or ''
local extension = redis.call('HGET', KEYS[1], 'portalExtension') or ''
redis.call('DEL', KEYS[1], KEYS[2])
return {'ok', number, extension}
