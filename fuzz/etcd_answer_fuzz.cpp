// Fuzz target: what etcd's JSON gateway answers (store/etcd/codec.hpp):
// range, txn, watch and lease answers and error bodies, and base64. None
// may crash; base64 that decodes encodes back to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "store/etcd/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace etcd = netmod::store::etcd;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)etcd::decode_range(text);
  (void)etcd::decode_txn(text);
  (void)etcd::decode_watch_message(text);
  (void)etcd::decode_lease(text);
  (void)etcd::decode_error(text);
  if (auto bytes = etcd::base64_decode(text)) {
    if (etcd::base64_encode(*bytes) != text) std::abort();
  }
  return 0;
}
