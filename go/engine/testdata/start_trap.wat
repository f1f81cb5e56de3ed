;; start_trap: the module's start function traps while it is instantiated.
(module
  (memory (export "memory") 1 4)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "free") (param i32))
  (func (export "get_name") (result i64) (i64.const 0))
  (func (export "pre_hook") (param i32 i32) (result i64) (i64.const 0))
  (func (export "post_hook") (param i32 i32) (result i64) (i64.const 0))
  (func $boom (unreachable))
  (start $boom))
