--[[
reserve_attempt: count a login attempt BEFORE its PIN is compared (SPEC §3 rule 3).
Works for a user's PIN and for a location's admin passcode (field names are arguments).

KEYS[1]  the subject hash (vp:{u:<id>}:user or vp:{l:<id>}:location)
ARGV[1]  name of the field holding the PIN hash      (pinHash | adminHash)
ARGV[2]  name of the consecutive-failures field      (failures | adminFailures)
ARGV[3]  name of the locked-since field              (lockedSince | adminLockedSince)
ARGV[4]  name of the generation field                (gen | adminGen)
ARGV[5]  maxFailures (policy)
ARGV[6]  now, ms since epoch (written as locked-since if this attempt locks)

Returns one of
  {'missing'}                    no such subject; nothing written
  {'locked'}                     already locked; nothing counted, nothing to evaluate
  {'no-pin'}                     no PIN/passcode set; nothing counted
  {'evaluate', count, gen, hash} counted; count <= maxFailures: compare the PIN with `hash`
                                 (the hash and the generation are one consistent snapshot)
  {'locked-now', count}          counted; count > maxFailures (more attempts than allowed
                                 are pending or were abandoned): locked now, not evaluated

The lock never expires (no TTL). A locked subject counts nothing.
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return {'missing'}
end
local lockedField, failuresField = ARGV[3], ARGV[2]
if redis.call('HEXISTS', key, lockedField) == 1 then
  return {'locked'}
end
local hash = redis.call('HGET', key, ARGV[1])
if not hash or hash == '' then
  return {'no-pin'}
end
local max = tonumber(ARGV[5])
local count = redis.call('HINCRBY', key, failuresField, 1)
if count > max then
  redis.call('HSET', key, lockedField, ARGV[6])
  return {'locked-now', count}
end
local gen = redis.call('HGET', key, ARGV[4]) or '0'
return {'evaluate', count, gen, hash}
