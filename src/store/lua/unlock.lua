--[[
unlock: lift a lock and clear the consecutive-failure count, PIN unchanged ("unlock only":
must-change and the name to record unchanged too). Used for a user's mailbox and for a
location's admin access.

KEYS[1]  the subject hash
ARGV[1]  failures field   ARGV[2] locked-since field   ARGV[3] generation field
ARGV[4]  locked-until field   ARGV[5] temporary-lock count field (both cleared: a temporary
         lock is lifted too, and the back-off starts again from the first step)

Returns 1 if it was locked, 0 if it was open, -1 if the subject does not exist.
Increments the generation so that attempts reserved before the unlock cannot lock again
or reset a count that now belongs to the new generation.
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return -1
end
local wasLocked = redis.call('HEXISTS', key, ARGV[2])
redis.call('HDEL', key, ARGV[2], ARGV[4], ARGV[5])
redis.call('HSET', key, ARGV[1], 0)
redis.call('HINCRBY', key, ARGV[3], 1)
return wasLocked
