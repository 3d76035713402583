-- wrk script: every request is a distinct Stripe event (unique id) signed like Stripe does,
-- t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>, computed with OpenSSL's libcrypto through LuaJIT's FFI.
-- The requests are signed in init(), before wrk starts its clock, so signing does not take CPU from the server
-- during the measured window on a machine both share (WEBHOOK_PRESIGNED per thread, default 100,000; past that,
-- requests are signed as they are sent). Their timestamps stay well inside Stripe's 300 s tolerance for any run
-- of a few minutes.
-- Environment: WEBHOOK_SECRET, WEBHOOK_PATH (/webhooks/<connection id>), optionally WEBHOOK_PRESIGNED and WEBHOOK_RUN
-- (a tag that keeps event ids distinct across runs against the same server; default: the start time).
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
local presigned_count = tonumber(os.getenv("WEBHOOK_PRESIGNED") or "100000")
local run_tag = os.getenv("WEBHOOK_RUN") or tostring(os.time())
local digest = ffi.new("unsigned char[32]")
local length = ffi.new("unsigned int[1]")
local hex_byte = {}
for value = 0, 255 do hex_byte[value] = string.format("%02x", value) end

local function hex_hmac(message)
  crypto.HMAC(crypto.EVP_sha256(), secret, #secret, message, #message, digest, length)
  local out = {}
  for i = 0, 31 do out[i + 1] = hex_byte[digest[i]] end
  return table.concat(out)
end

local counter = 0
local thread_tag = "0"
local thread_count = 0
local presigned = {}
local next_presigned = 1

local function signed_request()
  counter = counter + 1
  local now = os.time()
  local id = "evt_bench_" .. run_tag .. "_" .. thread_tag .. "_" .. counter
  local body = '{"id":"' .. id .. '","object":"event","type":"customer.updated","created":' .. now ..
    ',"data":{"object":{"id":"cus_' .. counter .. '","object":"customer","email":"bench@example.com","balance":0}}}'
  local signature = "t=" .. now .. ",v1=" .. hex_hmac(now .. "." .. body)
  return wrk.format("POST", path, { ["Content-Type"] = "application/json", ["Stripe-Signature"] = signature }, body)
end

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_index", thread_count)
end

function init(args)
  thread_tag = tostring(thread_index or 0)
  for i = 1, presigned_count do presigned[i] = signed_request() end
end

function request()
  local request = presigned[next_presigned]
  if request == nil then return signed_request() end
  presigned[next_presigned] = nil
  next_presigned = next_presigned + 1
  return request
end
