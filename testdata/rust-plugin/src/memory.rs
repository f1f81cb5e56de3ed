//! Memory the host and the plugin share: `malloc` hands the host a buffer
//! from Rust's allocator, `free(ptr, size)` gives it back, and hook outputs
//! are written into fresh buffers the host is expected to free.
//!
//! Built for `wasm32-wasi`, the C library there already defines `malloc` and
//! `free(ptr)` (one parameter, as a TinyGo plugin's), and Rust's allocator is
//! that `malloc`: the plugin exports the C library's pair instead (the link
//! arguments in `.cargo/config.toml`).

#[cfg(target_os = "wasi")]
extern "C" {
    fn malloc(size: usize) -> *mut u8;
}

/// Allocates `size` bytes for the host to write a hook's input into.
#[cfg(not(target_os = "wasi"))]
#[no_mangle]
pub extern "C" fn malloc(size: u32) -> u32 {
    let mut buf: Vec<u8> = Vec::with_capacity(size as usize);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr as u32
}

/// Frees a buffer from `malloc` (or an output): Rust's allocator needs its size.
#[cfg(not(target_os = "wasi"))]
#[no_mangle]
pub extern "C" fn free(ptr: u32, size: u32) {
    // SAFETY: by the ABI's contract the host frees, once and with its size, only a buffer `malloc` (or
    // `write_string`) handed out: a Vec's buffer of exactly that capacity.
    unsafe {
        drop(Vec::from_raw_parts(ptr as *mut u8, 0, size as usize));
    }
}

/// Reads the UTF-8 text the host wrote at `ptr`.
pub fn read_string(ptr: u32, len: u32) -> String {
    // SAFETY: the host wrote `len` bytes at `ptr`, in a buffer from `malloc`, and does not touch them during the call.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) };
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Copies `s` into a buffer of exactly its length and packs pointer and length into a u64.
pub fn write_string(s: &str) -> u64 {
    let len = s.len() as u32;
    #[cfg(not(target_os = "wasi"))]
    let ptr = malloc(len);
    // SAFETY: the C library's malloc, which the host frees with the C library's free.
    #[cfg(target_os = "wasi")]
    let ptr = unsafe { malloc(len as usize) } as u32;
    // SAFETY: `malloc(len)` returned a fresh buffer of at least `len` bytes, which `s` cannot overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), ptr as *mut u8, s.len());
    }
    (u64::from(ptr) << 32) | u64::from(len)
}
