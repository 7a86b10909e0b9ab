--[[
mail_claim: a worker takes one due job for a while (a lease). The job stays in the queue,
due again when the lease ends: a worker that dies while sending loses nothing, the job is
taken again after the lease. Two workers (two application instances) never hold the same
job at once: the claim is refused once the score moved past now.

KEYS[1]  vp:{mail}:queue
KEYS[2]  vp:{mail}:job:<id>
ARGV[1]  job id
ARGV[2]  now (ms)
ARGV[3]  lease (ms)
ARGV[4]  claim token (random): settling the job requires it

Returns the job's fields as a flat list {field, value, ...} (attempts already counted for
this claim), or an empty list when the job is gone or not due (someone else holds it).
The hash of a queued id that has no hash (cannot come from these scripts) is dropped.
]]
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not due or tonumber(due) > tonumber(ARGV[2]) then
  return {}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return {}
end
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('HINCRBY', KEYS[2], 'attempts', 1)
redis.call('HSET', KEYS[2], 'token', ARGV[4])
return redis.call('HGETALL', KEYS[2])
