;; packed: every hook returns the first 8 bytes of its input as its i64 result
;; (little-endian; 0 when the input is shorter): any pointer and length.
(module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 1024))
  (func (export "malloc") (param $n i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (global.get $top))
    (global.set $top (i32.add (local.get $ptr) (local.get $n)))
    (if (i32.gt_u (global.get $top) (i32.const 60000)) (then (global.set $top (i32.const 1024)) (local.set $ptr (i32.const 1024))))
    (local.get $ptr))
  (func (export "free") (param i32))
  (data (i32.const 16) "packed")
  (func (export "get_name") (result i64) (i64.const 0x0000001000000006))
  (func $packed (param $p i32) (param $n i32) (result i64)
    (if (i32.lt_u (local.get $n) (i32.const 8)) (then (return (i64.const 0))))
    (i64.load (local.get $p)))
  (func (export "pre_hook") (param i32 i32) (result i64) (call $packed (local.get 0) (local.get 1)))
  (func (export "post_hook") (param i32 i32) (result i64) (call $packed (local.get 0) (local.get 1))))
