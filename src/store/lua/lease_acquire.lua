--[[
lease_acquire: take the lease of one Asterisk server's ARI application if nobody holds it
(set-if-absent with expiry), under a fresh fencing token.

KEYS[1]  vp:{lease:<app>:<server>}:holder   hash: holder, token, since (absent = free)
KEYS[2]  vp:{lease:<app>:<server>}:fence    counter: the last token handed out (never expires)
ARGV[1]  the candidate's holder id (random per process)
ARGV[2]  time to live in ms
ARGV[3]  now, ms since the epoch (informational: `since`)

Returns {1, token} when taken (token = the counter after INCR: strictly greater than every
token handed out before, so a later holder always has a larger one), or
{0, holder, pttl} when someone holds it (pttl: ms left before it lapses).
]]
local lease, fence = KEYS[1], KEYS[2]
if redis.call('EXISTS', lease) == 1 then
  return {0, redis.call('HGET', lease, 'holder') or '', redis.call('PTTL', lease)}
end
local token = redis.call('INCR', fence)
redis.call('HSET', lease, 'holder', ARGV[1], 'token', token, 'since', ARGV[3])
redis.call('PEXPIRE', lease, ARGV[2])
return {1, token}
