--[[
token_create: register an integration token of the HTTP API under a name that is not taken.
Both fields live in one hash, so the name and the hash lookup can never disagree.

KEYS[1]  vp:api-tokens
ARGV[1]  the token's name
ARGV[2]  SHA-256 of the token (hex); the token itself is never stored
ARGV[3]  the record, JSON {hash, scope, createdAt}

Returns 1 when created, 0 when the name is already used (nothing written).
]]
if redis.call('HEXISTS', KEYS[1], 'n:' .. ARGV[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'n:' .. ARGV[1], ARGV[3], 'h:' .. ARGV[2], ARGV[1])
return 1
