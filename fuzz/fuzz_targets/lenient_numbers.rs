//! Fuzz target `lenient_numbers`: see `vendor_sdks_fuzz::lenient_numbers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| vendor_sdks_fuzz::lenient_numbers(data));
