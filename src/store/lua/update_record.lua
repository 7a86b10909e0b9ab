--[[
update_record: change some fields of a user or location hash, only if the fields the
change depends on still hold the values the caller read (a concurrent update of the same
record, or its removal, makes it fail instead of mixing two changes).

KEYS[1]  the hash (vp:{u:<id>}:user or vp:{l:<id>}:location)
ARGV[1]  n: how many expectations follow
ARGV     n pairs: field, expected value ('' = the field must be absent)
ARGV     m, then m pairs: field, new value
ARGV     k, then k field names to delete

Returns 1 when updated, 0 when the hash does not exist, -1 when an expectation failed
(nothing written either way).
]]
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return 0
end
local i = 1
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local current = redis.call('HGET', key, ARGV[i]) or ''
  if current ~= ARGV[i + 1] then
    return -1
  end
  i = i + 2
end
local m = tonumber(ARGV[i]); i = i + 1
if m > 0 then
  local fields = {}
  for _ = 1, m do
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = ARGV[i + 1]
    i = i + 2
  end
  redis.call('HSET', key, unpack(fields))
end
local k = tonumber(ARGV[i]); i = i + 1
for _ = 1, k do
  redis.call('HDEL', key, ARGV[i])
  i = i + 1
end
return 1
