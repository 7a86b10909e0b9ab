--[[
token_revoke: forget an integration token: its record and its hash lookup, together.

KEYS[1]  vp:api-tokens
ARGV[1]  the token's name
ARGV[2]  SHA-256 of the token (hex), as read from the record by the caller

Returns 1 when revoked, 0 when there was no token of that name, -1 when the record no
longer holds that hash (changed meanwhile: nothing written, read again).
]]
local record = redis.call('HGET', KEYS[1], 'n:' .. ARGV[1])
if not record then
  return 0
end
if cjson.decode(record).hash ~= ARGV[2] then
  return -1
end
redis.call('HDEL', KEYS[1], 'n:' .. ARGV[1], 'h:' .. ARGV[2])
return 1
