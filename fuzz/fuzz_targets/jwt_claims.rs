//! Fuzz target `jwt_claims`: see `vendor_sdks_fuzz::jwt_claims`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vendor_sdks_fuzz::jwt_claims(data));
