--[[
compare_and_set: replace a string value only if it is still the one the caller read
(optimistic concurrency for read-merge-validate-write updates such as the policy).

KEYS[1]  the string key
ARGV[1]  the value the caller read ('' when the key did not exist)
ARGV[2]  the new value

Returns 1 when written, 0 when the value changed meanwhile (nothing written: read again,
merge again, validate again, retry).
]]
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
