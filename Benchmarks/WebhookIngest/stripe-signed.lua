-- wrk script: every request is a distinct Stripe event (unique id) signed like Stripe does,
-- t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>, computed with OpenSSL's libcrypto through LuaJIT's FFI.
-- Environment: WEBHOOK_SECRET, WEBHOOK_PATH (/webhooks/<connection id>).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct evp_md_st EVP_MD;
  const EVP_MD *EVP_sha256(void);
  unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d, size_t n,
                      unsigned char *md, unsigned int *md_len);
]]
local crypto = ffi.load("crypto")
local secret = os.getenv("WEBHOOK_SECRET")
local path = os.getenv("WEBHOOK_PATH")
local digest = ffi.new("unsigned char[32]")
local length = ffi.new("unsigned int[1]")

local function hex_hmac(message)
  crypto.HMAC(crypto.EVP_sha256(), secret, #secret, message, #message, digest, length)
  local out = {}
  for i = 0, 31 do out[i + 1] = string.format("%02x", digest[i]) end
  return table.concat(out)
end

local counter = 0
local thread_tag = tostring(math.random(1, 2 ^ 30))

function setup(thread)
  thread:set("thread_seed", math.random(1, 2 ^ 30))
end

function init(args)
  thread_tag = tostring(thread_seed or math.random(1, 2 ^ 30))
end

function request()
  counter = counter + 1
  local now = os.time()
  local id = "evt_bench_" .. thread_tag .. "_" .. counter
  local body = '{"id":"' .. id .. '","object":"event","type":"customer.updated","created":' .. now ..
    ',"data":{"object":{"id":"cus_' .. counter .. '","object":"customer","email":"bench@example.com","balance":0}}}'
  local signature = "t=" .. now .. ",v1=" .. hex_hmac(now .. "." .. body)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json", ["Stripe-Signature"] = signature }, body)
end
