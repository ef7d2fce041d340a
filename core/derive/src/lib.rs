//! `#[derive(Describe)]`: the schema half of a libdos record or enum.
//!
//! serde's derives read and write the type (field names, `default`,
//! `rename`, `rename_all`, `deny_unknown_fields`); this derive reads the same
//! attributes and the doc comments and implements
//! `dos_core::route::Describe` (the type's shape, its fields' types,
//! defaults and docs, its variants' wire tokens) and, for structs,
//! `dos_core::route::Record` (the field names as the wire spells them). So a
//! record's field list is written once: in the struct.
//!
//! Defaults are not restated: a `#[serde(default)]` field's default is its
//! type's `Default` serialized, a `#[serde(default = "path")]` field's is
//! `path()` serialized, and a container-level `#[serde(default)]` takes each
//! field from `Self::default()` serialized. Wire tokens of enum variants are
//! the variants serialized, so `rename_all` is honoured by serde itself.
//!
//! `#[describe(class = "Name")]` on a type names the reference's class when
//! the schema name differs from it (the schema's names are one namespace
//! across modules and hosts, so two reference modules' `Claim` classes
//! cannot both be `Claim`); the accelerate adapter finds the class by it.
//!
//! `#[describe(min = N)]` on an integer field bounds it from below, once:
//! the schema carries it (`minimum`), and the generated host records refuse
//! a smaller value when they are built (Python: `__post_init__` raising
//! `ValueError`, as the reference's checks do).
//!
//! `#[describe(at_least = "other")]` on an integer field bounds it by
//! another integer field of the same record (`stall_n >= repeat_n`): a rule
//! between two fields, which `min` cannot say. The schema carries it
//! (`at_least`, the other field's wire name) and the host records refuse a
//! smaller value when built, as for `min`.
//!
//! Both bounds are also checked in Rust after a record is read:
//! `Record::check`, derived here, tests the record's own bounds in field
//! order and then each nested record's, and the envelope and the host
//! binders run it on an op's arguments, so a broken rule is BAD_ARGS naming
//! the field's path (`args.policy.stall_n`).
//!
//! `#[describe(derived)]` on a field marks it derived from the others: the
//! reference's class has it as a property that its JSON shape carries, not
//! as a dataclass field; the generated host class holds it as a plain field
//! the op fills in (the accelerate adapter builds the reference's class
//! without it).
//!
//! `#[describe(property)]` on a field marks it computed from the others and
//! served by an op: the verdict writes it (the reference's `to_dict()`
//! carries it), but a generated host record has it as a property backed by
//! the method op `module.Type.field`, never as a constructor argument; the
//! envelope reads it (so a host may send it back) and the op recomputes it.
//!
//! `#[describe(tuple)]` on a `tuple[T, ...]` field: a host record freezes
//! any sequence given for it into a tuple when it is built, as the
//! reference's `__post_init__` does for such a field.
//!
//! `#[describe(skip)]` on a field leaves it out of the schema (and so out of
//! the hosts' records) while serde still reads it: an envelope-only
//! convenience the reference's class does not have.
//!
//! `#[describe(attr = "name")]` on a record field names the hosts'
//! attribute (and Python keyword argument) when it is not the wire name:
//! the reference's `ResultStateVerdict` holds `cls` where its `to_dict()`
//! writes `class`, so the field is `#[serde(rename = "class")]` with
//! `attr = "cls"`.
//!
//! `#[describe(kw_only)]` on an op's argument makes it and the ones after it
//! keyword-only in Python; `#[describe(py = "name: type = default", via =
//! "resolver")]` gives the typed Python function the reference's parameter
//! in its place, passed through `dos_native._paths.<resolver>` (a default
//! path read from the reference's config, say).

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;
use syn::{parse_macro_input, Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Lit, Meta};

#[proc_macro_derive(Describe, attributes(describe))]
pub fn derive_describe(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// The text of the `///` comments, lines joined, common indentation removed.
fn doc_of(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &a.meta {
            if let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = &nv.value {
                lines.push(s.value());
            }
        }
    }
    let indent = lines.iter().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    let text: Vec<String> =
        lines.iter().map(|l| if l.len() >= indent { l[indent..].trim_end().to_owned() } else { l.trim().to_owned() }).collect();
    text.join("\n").trim().to_owned()
}

#[derive(Default)]
struct SerdeAttrs {
    /// `default` (None: absent; Some(None): the type's Default; Some(Some(path)): a function).
    default: Option<Option<syn::Path>>,
    rename: Option<String>,
    skip: bool,
    /// `deserialize_with` (or `with`) is given: serde then requires the field.
    read_with: bool,
}

fn serde_attrs(attrs: &[Attribute]) -> syn::Result<SerdeAttrs> {
    let mut out = SerdeAttrs::default();
    for a in attrs {
        if !a.path().is_ident("serde") {
            continue;
        }
        a.parse_nested_meta(|m| {
            if m.path.is_ident("default") {
                if m.input.peek(syn::Token![=]) {
                    let s: syn::LitStr = m.value()?.parse()?;
                    out.default = Some(Some(s.parse()?));
                } else {
                    out.default = Some(None);
                }
            } else if m.path.is_ident("rename") {
                let s: syn::LitStr = m.value()?.parse()?;
                out.rename = Some(s.value());
            } else if m.path.is_ident("deserialize_with") || m.path.is_ident("with") {
                let _: Expr = m.value()?.parse()?;
                out.read_with = true;
            } else if m.path.is_ident("skip") || m.path.is_ident("skip_deserializing") {
                out.skip = true;
            } else if m.input.peek(syn::Token![=]) {
                // Other serde keys (rename_all, skip_serializing_if, …) are
                // serde's business; consume their value.
                let _: Expr = m.value()?.parse()?;
            } else if m.input.peek(syn::token::Paren) {
                let content;
                syn::parenthesized!(content in m.input);
                let _: TokenStream2 = content.parse()?;
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// The `class = "..."` of a `#[describe(...)]` container attribute.
fn class_of(attrs: &[Attribute]) -> syn::Result<Option<String>> {
    let mut out = None;
    for a in attrs {
        if !a.path().is_ident("describe") {
            continue;
        }
        a.parse_nested_meta(|m| {
            if m.path.is_ident("class") {
                let s: syn::LitStr = m.value()?.parse()?;
                out = Some(s.value());
                Ok(())
            } else {
                Err(m.error("unknown describe attribute (expected `class = \"...\"`)"))
            }
        })?;
    }
    Ok(out)
}

/// A field's own `#[describe(...)]` attributes: `min = N` (a lower bound),
/// `skip` (left out of the schema), `derived` (the reference's property,
/// a plain field of the generated class), `property` (computed by a method
/// op, never a constructor argument), `tuple` (a host record freezes any
/// sequence given for it into a tuple), `kw_only` and `py`/`via` (an op
/// argument's Python parameter).
#[derive(Default)]
struct FieldDescribe {
    minimum: Option<i64>,
    at_least: Option<String>,
    skip: bool,
    derived: bool,
    property: bool,
    tuple: bool,
    kw_only: bool,
    py: Option<String>,
    via: Option<String>,
    attr: Option<String>,
}

fn field_describe(attrs: &[Attribute]) -> syn::Result<FieldDescribe> {
    let mut out = FieldDescribe::default();
    for a in attrs {
        if !a.path().is_ident("describe") {
            continue;
        }
        a.parse_nested_meta(|m| {
            if m.path.is_ident("min") {
                let e: Expr = m.value()?.parse()?;
                let (neg, lit) = match &e {
                    Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => (true, &*u.expr),
                    other => (false, other),
                };
                let Expr::Lit(ExprLit { lit: Lit::Int(i), .. }) = lit else {
                    return Err(m.error("`min` takes an integer literal"));
                };
                let n: i64 = i.base10_parse()?;
                out.minimum = Some(if neg { -n } else { n });
                Ok(())
            } else if m.path.is_ident("at_least") {
                let v: syn::LitStr = m.value()?.parse()?;
                out.at_least = Some(v.value());
                Ok(())
            } else if m.path.is_ident("skip") {
                out.skip = true;
                Ok(())
            } else if m.path.is_ident("derived") {
                out.derived = true;
                Ok(())
            } else if m.path.is_ident("property") {
                out.property = true;
                Ok(())
            } else if m.path.is_ident("tuple") {
                out.tuple = true;
                Ok(())
            } else if m.path.is_ident("kw_only") {
                out.kw_only = true;
                Ok(())
            } else if m.path.is_ident("attr") {
                let v: syn::LitStr = m.value()?.parse()?;
                out.attr = Some(v.value());
                Ok(())
            } else if m.path.is_ident("py") || m.path.is_ident("via") {
                let v: syn::LitStr = m.value()?.parse()?;
                if m.path.is_ident("py") {
                    out.py = Some(v.value());
                } else {
                    out.via = Some(v.value());
                }
                Ok(())
            } else {
                Err(m.error(
                    "unknown describe field attribute (expected `min = N`, `at_least = \"field\"`, `skip`, `derived`, `property`, `tuple`, `kw_only`, `py = \"..\"`, `via = \"..\"`, `attr = \"..\"`)",
                ))
            }
        })?;
    }
    Ok(out)
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let ident = &input.ident;
    let name = ident.to_string();
    let doc = doc_of(&input.attrs);
    let class = match class_of(&input.attrs)? {
        Some(c) => quote!(.with_class(#c)),
        None => quote!(),
    };
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let container = serde_attrs(&input.attrs)?;
    let route = quote!(::dos_core::route);
    match &input.data {
        Data::Struct(s) => {
            let Fields::Named(named) = &s.fields else {
                return Err(syn::Error::new_spanned(ident, "Describe takes structs with named fields"));
            };
            let mut wire_names = Vec::new();
            let mut field_defs = Vec::new();
            let mut checks = Vec::new();
            // Each field's Rust ident and wire name (for `at_least`).
            let mut wires = Vec::new();
            for f in &named.named {
                let attrs = serde_attrs(&f.attrs)?;
                if let Some(fident) = &f.ident {
                    let rust_name = fident.to_string();
                    wires.push((rust_name.clone(), attrs.rename.clone().unwrap_or_else(|| rust_name.trim_start_matches("r#").to_owned())));
                }
            }
            for f in &named.named {
                let attrs = serde_attrs(&f.attrs)?;
                let own = field_describe(&f.attrs)?;
                let Some(fident) = &f.ident else { continue };
                let rust_name = fident.to_string();
                let wire = attrs.rename.clone().unwrap_or_else(|| rust_name.trim_start_matches("r#").to_owned());
                if !attrs.skip {
                    if let Some(n) = own.minimum {
                        checks.push(quote! {
                            if let ::core::option::Option::Some(v) = #route::Bounded::below(&self.#fident, #n) {
                                return ::core::result::Result::Err(#route::FieldError::new(#wire, ::std::format!("cannot be below {} (got {})", #n, v)));
                            }
                        });
                    }
                    if let Some(other) = &own.at_least {
                        let Some((_, other_wire)) = wires.iter().find(|(r, _)| r == other) else {
                            return Err(syn::Error::new_spanned(fident, "`at_least` names another field of this struct"));
                        };
                        let other_ident = syn::Ident::new(other, fident.span());
                        checks.push(quote! {
                            if let ::core::option::Option::Some(b) = #route::Bounded::bound(&self.#other_ident) {
                                if let ::core::option::Option::Some(v) = #route::Bounded::below(&self.#fident, b) {
                                    return ::core::result::Result::Err(#route::FieldError::new(
                                        #wire,
                                        ::std::format!("{} ({}) cannot be below {} ({})", #wire, v, #other_wire, b),
                                    ));
                                }
                            }
                        });
                    }
                    checks.push(quote! {
                        (&#route::Probe(&self.#fident)).check_probe().map_err(|e| #route::nested(#wire, e))?;
                    });
                }
                if attrs.skip || own.skip {
                    continue;
                }
                let fdoc = doc_of(&f.attrs);
                let ty = &f.ty;
                let default = match (&attrs.default, &container.default) {
                    (Some(None), _) => {
                        quote!(::core::option::Option::Some(#route::default_value(&<#ty as ::core::default::Default>::default())))
                    }
                    (Some(Some(path)), _) => quote!(::core::option::Option::Some(#route::default_value(&#path()))),
                    (None, Some(_)) => quote!(#route::field_of(&container_default, #wire)),
                    (None, None) => quote!(::core::option::Option::None),
                };
                let read_with = attrs.read_with;
                let mut minimum = match own.minimum {
                    Some(n) => quote!(.with_minimum(#n)),
                    None => quote!(),
                };
                let derived = if own.derived { quote!(.with_derived()) } else { quote!() };
                if own.property {
                    minimum = quote!(#minimum.with_property());
                }
                if own.tuple {
                    minimum = quote!(#minimum.with_frozen_tuple());
                }
                if own.kw_only {
                    minimum = quote!(#minimum.with_kw_only());
                }
                if let Some(other) = &own.at_least {
                    let other_wire = wires.iter().find(|(r, _)| r == other).map(|(_, w)| w.clone()).unwrap_or_default();
                    minimum = quote!(#minimum.with_at_least(#other_wire));
                }
                if let Some(a) = &own.attr {
                    minimum = quote!(#minimum.with_attr(#a));
                }
                match (&own.py, &own.via) {
                    (Some(p), Some(v)) => minimum = quote!(#minimum.with_py(#p, #v)),
                    (None, None) => {}
                    _ => return Err(syn::Error::new_spanned(fident, "`py` and `via` go together")),
                }
                field_defs.push(quote! {
                    #route::FieldDef::new(#wire, #fdoc, <#ty as #route::Describe>::describe(reg), #default, #read_with)#minimum #derived
                });
                wire_names.push(wire);
            }
            let container_default = if container.default.is_some() {
                quote!(let container_default = #route::default_value(&<Self as ::core::default::Default>::default());)
            } else {
                quote!()
            };
            Ok(quote! {
                impl #impl_g #route::Describe for #ident #ty_g #where_g {
                    fn describe(reg: &mut #route::Registry) -> #route::Type {
                        let (name, first) = reg.claim(#name, ::core::module_path!());
                        if first {
                            #container_default
                            let fields = ::std::vec![#(#field_defs),*];
                            reg.define(#route::TypeDef::record(name, #doc, fields)#class);
                        }
                        #route::Type::Record(name)
                    }
                }
                impl #impl_g #route::Record for #ident #ty_g #where_g {
                    const FIELDS: &'static [&'static str] = &[#(#wire_names),*];
                    const DOC: &'static str = #doc;

                    #[allow(unused_imports, clippy::needless_borrow)]
                    fn check(&self) -> ::core::result::Result<(), #route::FieldError> {
                        use #route::{ProbeAny as _, ProbeRecord as _};
                        #(#checks)*
                        ::core::result::Result::Ok(())
                    }
                }
            })
        }
        Data::Enum(e) => {
            let mut variants = Vec::new();
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    return Err(syn::Error::new_spanned(v, "Describe takes enums of unit variants (wire tokens)"));
                }
                let attrs = serde_attrs(&v.attrs)?;
                if attrs.skip {
                    continue;
                }
                let vident = &v.ident;
                let vname = vident.to_string();
                let vdoc = doc_of(&v.attrs);
                variants.push(quote! {
                    #route::VariantDef::new(#vname, &#ident::#vident, #vdoc)
                });
            }
            Ok(quote! {
                impl #impl_g #route::Describe for #ident #ty_g #where_g {
                    fn describe(reg: &mut #route::Registry) -> #route::Type {
                        let (name, first) = reg.claim(#name, ::core::module_path!());
                        if first {
                            let variants = ::std::vec![#(#variants),*];
                            reg.define(#route::TypeDef::enumeration(name, #doc, variants)#class);
                        }
                        #route::Type::Enum(name)
                    }
                }
            })
        }
        Data::Union(_) => Err(syn::Error::new_spanned(ident, "Describe does not take unions")),
    }
}
