--[[
set_admin_passcode: a location's new admin passcode; also unlocks admin access
(locked by maxFailures consecutive wrong admin passcodes, like a mailbox).

KEYS[1]  vp:{l:<id>}:location
ARGV[1]  the new passcode hash
ARGV[2]  now, ms since epoch

Returns 1 if admin access was locked, 0 if it was open, -1 if the location does not exist.
Increments adminGen (see settle_*).
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return -1
end
local wasLocked = redis.call('HEXISTS', key, 'adminLockedSince')
redis.call('HSET', key, 'adminHash', ARGV[1], 'adminChangedAt', ARGV[2], 'adminFailures', 0)
redis.call('HDEL', key, 'adminLockedSince', 'adminLockedUntil', 'adminTempLocks')
redis.call('HINCRBY', key, 'adminGen', 1)
return wasLocked
