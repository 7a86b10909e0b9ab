--[[
lease_release: give the lease up at once (planned handover, SIGTERM), only for the holder of
this fencing token: a holder that already lost the lease cannot free its successor's.

KEYS[1]  vp:{lease:<app>:<server>}:holder
ARGV[1]  the holder's token

Returns 1 when released, 0 when the lease was not (or no longer) this token's.
]]
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
