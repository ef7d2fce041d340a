//! `#[guard]`: the one panic boundary of `dos_native`.
//!
//! Put it on a `#[pyfunction]` or on a `#[pymethods]` impl block (above the
//! pyo3 attribute). Every function body it covers runs inside
//! `crate::guard::run`, which catches a panic and turns it into
//! `dos_native.InternalError` (code `INTERNAL`) instead of pyo3's
//! `PanicException` (a `BaseException` that `except Exception` misses).
//! A function that does not already return a `Result` is made to return
//! `PyResult<T>`, which pyo3 accepts wherever it accepts `T`.
//!
//! Left alone: `__traverse__` and `__clear__` (the garbage collector calls
//! them, they must not touch Python), and `#[classattr]` items.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, parse_quote, Block, Item, ReturnType, Signature, Type};

#[proc_macro_attribute]
pub fn guard(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(proc_macro2::Span::call_site(), "#[guard] takes no arguments").to_compile_error().into();
    }
    let mut item = parse_macro_input!(item as Item);
    match &mut item {
        Item::Fn(f) => wrap(&mut f.sig, &mut f.block),
        Item::Impl(imp) => {
            for it in imp.items.iter_mut() {
                if let syn::ImplItem::Fn(f) = it {
                    let name = f.sig.ident.to_string();
                    let skip = name == "__traverse__" || name == "__clear__" || f.attrs.iter().any(|a| a.path().is_ident("classattr"));
                    if !skip {
                        wrap(&mut f.sig, &mut f.block);
                    }
                }
            }
        }
        other => return syn::Error::new_spanned(other, "#[guard] goes on a fn or an impl block").to_compile_error().into(),
    }
    quote!(#item).into()
}

/// Whether `ty` is spelled `PyResult<...>` or `Result<...>`.
fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "PyResult" || s.ident == "Result"),
        Type::Paren(p) => is_result(&p.elem),
        Type::Group(g) => is_result(&g.elem),
        _ => false,
    }
}

fn wrap(sig: &mut Signature, block: &mut Block) {
    let body = &*block;
    let new_block: Block = match &sig.output {
        ReturnType::Type(_, ty) if is_result(ty) => parse_quote!({
            crate::guard::run(|| #body)
        }),
        ReturnType::Type(_, ty) => {
            let ty = ty.clone();
            sig.output = parse_quote!(-> ::pyo3::PyResult<#ty>);
            parse_quote!({
                crate::guard::run(|| ::core::result::Result::Ok((|| #body)()))
            })
        }
        ReturnType::Default => {
            sig.output = parse_quote!(-> ::pyo3::PyResult<()>);
            parse_quote!({
                crate::guard::run(|| {
                    (|| #body)();
                    ::core::result::Result::Ok(())
                })
            })
        }
    };
    *block = new_block;
}
