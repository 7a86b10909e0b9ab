--[[
reserve_attempt: count a login attempt BEFORE its PIN is compared (reserve-then-evaluate: an
attempt whose outcome never arrives stays counted, and no interleaving of calls gets more than
maxFailures PINs evaluated between two successes).
Works for a user's PIN, a location's admin passcode and a phantom subject (a mailbox that
does not exist, counted so that it "locks" like a real one: issue #11). Field names are
arguments. Time is Redis's own clock (TIME), never the calling instance's.

KEYS[1]  the subject hash (vp:{u:<id>}:user, vp:{l:<id>}:location or vp:phantom:<digits>)
ARGV[1]  PIN hash field          (pinHash | adminHash)
ARGV[2]  failures field          (failures | adminFailures): attempts counted since the last
         success, settled or pending; never more than maxFailures
ARGV[3]  locked-since field      (lockedSince | adminLockedSince)
ARGV[4]  generation field        (gen | adminGen)
ARGV[5]  maxFailures (policy)
ARGV[6]  locked-until field      (lockedUntil | adminLockedUntil): set only on a temporary lock
ARGV[7]  reservation sequence field (failSeq | adminFailSeq): attempts ever counted
ARGV[8]  last-reservation time field (reservedAt | adminReservedAt), ms
ARGV[9]  temporary-lock count field (tempLocks | adminTempLocks)
ARGV[10] no PIN set: 'refuse' (answer no-pin, count nothing: the owner's own trusted phone)
         or 'count' (count and evaluate like a wrong PIN: from any other phone)
ARGV[11] phantom lifetime, ms: '0' for a real subject (missing → 'missing'); otherwise the
         subject is created when missing and expires this long after its last attempt
ARGV[12] lock mode if this attempt locks: 'permanent' or 'temporary'
ARGV[13] first temporary lock, ms (doubled at each further temporary lock)
ARGV[14] temporary locks before the permanent one
ARGV[15] ms after which attempts still pending are taken as abandoned (measured from the
         latest reservation: every pending attempt is at least that old)
ARGV[16] pending-attempts field (pendingAttempts | adminPendingAttempts): counted, not settled

Returns one of
  {'missing'}                          no such subject (real subjects only); nothing written
  {'locked'}                           locked; nothing counted, nothing to evaluate
  {'no-pin'}                           no PIN set and ARGV[10] = 'refuse'; nothing counted
  {'evaluate', count, gen, hash, seq}  counted (count <= maxFailures): compare the PIN with
                                       `hash` ('' = none: the PIN cannot match); `seq` is this
                                       attempt's place, for settle_success
  {'refused', count}                   maxFailures attempts are counted and still pending:
                                       refused, NOT counted, nothing evaluated
  {'locked-now', kind}                 the pending attempts at the limit were abandoned (the
                                       last one older than ARGV[15]): locked now ('permanent'
                                       or 'temporary'), not counted, not evaluated

A temporary lock whose time has passed is lifted here (count back to 0; the number of
temporary locks stays until a success, so the next one lasts twice as long).
]]
local key = KEYS[1]
local hashF, failF, lockF, genF = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local max = tonumber(ARGV[5])
local untilF, seqF, atF, tempF = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local phantomTtl = tonumber(ARGV[11])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function lock()
  if ARGV[12] == 'temporary' then
    local n = redis.call('HINCRBY', key, tempF, 1)
    if n <= tonumber(ARGV[14]) then
      redis.call('HSET', key, lockF, now, untilF, now + tonumber(ARGV[13]) * 2 ^ (n - 1))
      return 'temporary'
    end
  end
  redis.call('HSET', key, lockF, now)
  redis.call('HDEL', key, untilF)
  return 'permanent'
end

if redis.call('EXISTS', key) == 0 then
  if phantomTtl == 0 then
    return {'missing'}
  end
  redis.call('HSET', key, hashF, '')
end
if phantomTtl > 0 then
  redis.call('PEXPIRE', key, phantomTtl)
end
if redis.call('HEXISTS', key, lockF) == 1 then
  local untilAt = tonumber(redis.call('HGET', key, untilF) or '')
  if untilAt == nil or untilAt > now then
    return {'locked'}
  end
  redis.call('HDEL', key, lockF, untilF)
  redis.call('HSET', key, failF, 0)
end
local hash = redis.call('HGET', key, hashF) or ''
if hash == '' and ARGV[10] == 'refuse' then
  return {'no-pin'}
end
local count = tonumber(redis.call('HGET', key, failF) or '0')
-- A subject written before the sequence existed: its count is its whole sequence.
local seq = math.max(tonumber(redis.call('HGET', key, seqF) or '0'), count)
local abandoned = now - tonumber(redis.call('HGET', key, atF) or '0') >= tonumber(ARGV[15])
if abandoned then
  -- Whatever is still pending will never settle (hang-up, crash): stop waiting for it.
  redis.call('HSET', key, ARGV[16], 0)
end
if count >= max then
  if abandoned then
    return {'locked-now', lock()}
  end
  return {'refused', count}
end
count = count + 1
seq = seq + 1
redis.call('HSET', key, failF, count, seqF, seq, atF, now)
redis.call('HINCRBY', key, ARGV[16], 1)
local gen = redis.call('HGET', key, genF) or '0'
return {'evaluate', count, gen, hash, seq}
