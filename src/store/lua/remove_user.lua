--[[
remove_user: delete a user's record and PIN history in one step.

KEYS[1]  vp:{u:<id>}:user
KEYS[2]  vp:{u:<id>}:history
ARGV     (none)

Returns the deleted record as a flat field/value list (the caller needs the extension,
number and location to clean the indexes), or an empty list if there was no such user.
]]
local record = redis.call('HGETALL', KEYS[1])
if #record == 0 then
  return {}
end
redis.call('DEL', KEYS[1], KEYS[2])
return record
