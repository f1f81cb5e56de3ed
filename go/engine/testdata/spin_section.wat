;; spin_section: the module's start section never returns.
(module
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "free") (param i32))
  (data (i32.const 16) "spin_section")
  (func (export "get_name") (result i64) (i64.const 68719476748))
  (func $forever (loop $l (br $l)))
  (start $forever)
  (func (export "pre_hook") (param i32 i32) (result i64) (i64.const 0)))
