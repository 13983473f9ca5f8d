package redact

import (
	"reflect"
)

// Walk masks, in place, every registered value in the strings reachable
// from v (a pointer) through exported struct fields, pointers, interfaces,
// slices, arrays and maps (keys too; byte slices are masked as text). It is
// the last net before a result is written: whatever text a result model
// picked up on its way, no registered secret leaves in it.
//
// When two map keys redact to the same key, numeric values are added and
// other values keep the last one. Unexported fields are left alone.
func (r *Redactor) Walk(v any) {
	if r == nil || v == nil {
		return
	}
	r.walk(reflect.ValueOf(v), 0)
}

// maxDepth bounds the walk (result models are shallow; this guards cycles).
const maxDepth = 64

func (r *Redactor) walk(v reflect.Value, depth int) {
	if depth > maxDepth {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			r.walk(v.Elem(), depth+1)
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if e.Kind() == reflect.Pointer {
			r.walk(e, depth+1)
			return
		}
		if v.CanSet() {
			c := reflect.New(e.Type()).Elem()
			c.Set(e)
			r.walk(c, depth+1)
			v.Set(c)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				r.walk(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if v.CanSet() && !v.IsNil() {
				v.SetBytes(r.Bytes(v.Bytes()))
			}
			return
		}
		for i := range v.Len() {
			r.walk(v.Index(i), depth+1)
		}
	case reflect.Array:
		for i := range v.Len() {
			r.walk(v.Index(i), depth+1)
		}
	case reflect.Map:
		r.walkMap(v, depth)
	case reflect.String:
		if v.CanSet() {
			if s := r.String(v.String()); s != v.String() {
				v.SetString(s)
			}
		}
	}
}

func (r *Redactor) walkMap(m reflect.Value, depth int) {
	if m.IsNil() || !m.CanSet() {
		return
	}
	t := m.Type()
	out := reflect.MakeMapWithSize(t, m.Len())
	iter := m.MapRange()
	for iter.Next() {
		k := reflect.New(t.Key()).Elem()
		k.Set(iter.Key())
		r.walk(k, depth+1)
		val := reflect.New(t.Elem()).Elem()
		val.Set(iter.Value())
		r.walk(val, depth+1)
		if prev := out.MapIndex(k); prev.IsValid() {
			switch {
			case val.CanInt():
				val.SetInt(val.Int() + prev.Int())
			case val.CanUint():
				val.SetUint(val.Uint() + prev.Uint())
			case val.CanFloat():
				val.SetFloat(val.Float() + prev.Float())
			}
		}
		out.SetMapIndex(k, val)
	}
	m.Set(out)
}
