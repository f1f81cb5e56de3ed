//! Memory the host and the plugin share: `malloc` hands the host a buffer
//! from Rust's allocator, `free(ptr, size)` gives it back, and hook outputs
//! are written into fresh buffers the host is expected to free.

/// Allocates `size` bytes for the host to write a hook's input into.
#[no_mangle]
pub extern "C" fn malloc(size: u32) -> u32 {
    let mut buf: Vec<u8> = Vec::with_capacity(size as usize);
    let ptr = buf.as_mut_ptr();
    std::mem::forget(buf);
    ptr as u32
}

/// Frees a buffer from `malloc` (or an output): Rust's allocator needs its size.
#[no_mangle]
pub extern "C" fn free(ptr: u32, size: u32) {
    unsafe {
        drop(Vec::from_raw_parts(ptr as *mut u8, 0, size as usize));
    }
}

/// Reads the UTF-8 text the host wrote at `ptr`.
pub fn read_string(ptr: u32, len: u32) -> String {
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) };
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Copies `s` into a buffer of exactly its length and packs pointer and length into a u64.
pub fn write_string(s: &str) -> u64 {
    let len = s.len() as u32;
    let ptr = malloc(len);
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), ptr as *mut u8, s.len());
    }
    ((ptr as u64) << 32) | len as u64
}
