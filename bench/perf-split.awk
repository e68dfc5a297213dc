# Splits `perf report --stdio --no-children --sort dso,sym` output into cost
# categories by symbol (self time, after inlining: a function inlined into
# another counts as its caller). Prints "category percent" lines.
# Used by bench/webhook.sh with PROFILE=1.
function category(dso, sym, s) {
  s = tolower(sym)
  if (dso ~ /kernel/ || sym ~ /^\[k\]/) return "kernel (sockets, syscalls, scheduling)"
  if (s ~ /rustls|ring_core|ring::|aes|gcm|ghash|chacha|poly1305|sha2|sha256|sha512|x25519|p256|p384|ecdsa|bn_mul|limbs/) return "TLS (rustls, ring)"
  if (s ~ /seccomp_core|json_patch|jsonptr/) return "core: the pruned read and the plan (seccomp-core)"
  if (s ~ /serde_json|serde::|serde_core|ryu|itoa|str::converts::from_utf8/) return "JSON read and write (serde_json, its string checks)"
  if (s ~ /indexmap|hashbrown|core::hash|sip::|hash_one/) return "JSON objects' maps (indexmap, SipHash)"
  if (s ~ /base64/) return "patch encoding (base64)"
  if (s ~ /tracing|core::fmt|alloc::fmt|fmt::write|<.* as core::fmt::/) return "logging and formatting (tracing, core::fmt)"
  if (s ~ /prometheus/) return "metrics (prometheus-client)"
  if (s ~ /seccomp_webhook/) return "webhook: request handling (router, review, budget)"
  if (s ~ /hyper|h2::|http::|httparse|axum|tower|bytes::/) return "HTTP (hyper, axum)"
  if (s ~ /tokio|mio|parking_lot|futures|clock_gettime/) return "async runtime (tokio, clocks)"
  if (s ~ /mi_|mimalloc|malloc|free|memcpy|memmove|memset|memcmp|realloc|__rust_alloc|__rust_dealloc/) return "memory (allocation, copies, compares)"
  if (s ~ /recv|send|write|read|pthread/ && dso ~ /libc/) return "kernel (sockets, syscalls, scheduling)"
  return "other"
}
/^ *[0-9.]+%/ {
  pct = $1; sub(/%/, "", pct)
  dso = $2
  sym = ""
  for (i = 3; i <= NF; i++) sym = sym (i > 3 ? " " : "") $i
  sub(/^\[[.k]\] /, "", sym)
  if ($3 == "[k]") dso = "kernel"
  share[category(dso, sym)] += pct
}
END { for (c in share) printf "%s\t%.2f\n", c, share[c] }
