--[[
lease_renew: extend the lease, only for the holder of this fencing token. A holder that was
paused past its lease (and replaced) presents an old token and is refused: it has lost the
lease and must stop acting.

KEYS[1]  vp:{lease:<app>:<server>}:holder
ARGV[1]  the holder's token
ARGV[2]  time to live in ms

Returns 1 when extended, 0 when the lease lapsed or belongs to another token.
]]
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
