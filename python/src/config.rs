//! `dos_native.Config`: a workspace config built once on the native side and
//! shared by every call that names it (immutable, safe across threads).

use super::{dos_error, to_py, to_value};
use dos_core::config::layer::{self, Doc, Loaded, Preset};
use dos_core::config::{json, toml_text, SubstrateConfig, WorkspaceFacts};
use dos_core::envelope::CallError;
use dos_core::pyjson::{Dict, Value};
use dos_core::ErrorCode;
use pyo3::exceptions::{PyTypeError, PyUnicodeDecodeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::sync::Arc;

/// A built config and the warnings its build produced.
#[pyclass(frozen, module = "dos_native.config", name = "Config")]
pub struct PyConfig {
    pub loaded: Arc<Loaded>,
}

impl PyConfig {
    /// The native config (for typed entry points that take a `Config`).
    pub fn substrate(&self) -> &SubstrateConfig {
        &self.loaded.config
    }
}

fn preset_of(py: Python<'_>, preset: &str) -> PyResult<Preset> {
    Preset::parse(preset)
        .ok_or_else(|| dos_error(py, CallError::new(ErrorCode::BadArgs, format!("unknown preset {preset:?} (generic, job, workshop)"))))
}

fn dict_arg(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Dict>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => match to_value(o, 0)? {
            Value::Dict(d) => Ok(Some(d)),
            other => Err(PyTypeError::new_err(format!("{what} must be a mapping, not {}", other.type_name()))),
        },
    }
}

fn with_overrides(py: Python<'_>, mut loaded: Loaded, overrides: Option<Dict>) -> PyResult<Loaded> {
    if let Some(o) = overrides {
        let inline = json::split(&o).map_err(|e| dos_error(py, e))?;
        loaded.config = json::layer_inline(loaded.config, &inline.tables, &mut loaded.warnings).map_err(|e| dos_error(py, e))?;
    }
    Ok(loaded)
}

fn text_bytes(text: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = text.cast::<PyString>() {
        return Ok(s.to_str().map_err(|_| PyValueError::new_err("the TOML text holds a lone surrogate"))?.as_bytes().to_vec());
    }
    if let Ok(b) = text.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err("the TOML text must be str or bytes"))
}

#[crate::guard]
#[pymethods]
impl PyConfig {
    /// Build from `dos.toml` text (str or bytes) over a preset, without
    /// touching the disk. `root` is taken as already resolved;
    /// `kernel_runtime_files` stands in for the workspace probe (None: not probed).
    #[staticmethod]
    #[pyo3(signature = (text=None, preset="generic", root=".", kernel_runtime_files=None, overrides=None))]
    fn from_toml(
        py: Python<'_>,
        text: Option<&Bound<'_, PyAny>>,
        preset: &str,
        root: &str,
        kernel_runtime_files: Option<Vec<String>>,
        overrides: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyConfig> {
        let preset = preset_of(py, preset)?;
        let doc = match text {
            None => Doc::Absent,
            Some(t) if t.is_none() => Doc::Absent,
            Some(t) => {
                let bytes = text_bytes(t)?;
                // Bytes must decode as `data.decode("utf-8-sig")` would
                // before `tomllib.loads` sees them: UnicodeDecodeError if not.
                let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                if let Err(e) = std::str::from_utf8(body) {
                    let start = e.valid_up_to();
                    let end = start + e.error_len().unwrap_or(body.len() - start);
                    let exc = PyUnicodeDecodeError::new(py, c"utf-8", body, start..end, c"invalid utf-8")?;
                    return Err(PyErr::from_value(exc.into_any()));
                }
                py.detach(|| toml_text::parse_bytes(&bytes))
            }
        };
        let facts = kernel_runtime_files.map(|f| WorkspaceFacts::new(dos_core::config::paths::norm_path(root), f));
        let loaded = layer::load(preset, root, facts, &doc).map_err(|e| dos_error(py, e))?;
        let loaded = with_overrides(py, loaded, dict_arg(overrides, "overrides")?)?;
        Ok(PyConfig { loaded: Arc::new(loaded) })
    }

    /// Resolve the workspace (explicit › DISPATCH_WORKSPACE › cwd), probe it,
    /// read its `dos.toml` and layer it over the preset.
    #[staticmethod]
    #[pyo3(signature = (workspace=None, preset="generic", overrides=None))]
    fn load_workspace_config(
        py: Python<'_>,
        workspace: Option<&Bound<'_, PyAny>>,
        preset: &str,
        overrides: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyConfig> {
        let preset = preset_of(py, preset)?;
        let ws: Option<String> = match workspace {
            None => None,
            Some(w) if w.is_none() => None,
            Some(w) => Some(w.str()?.to_str()?.to_owned()),
        };
        let loaded = py.detach(|| dos_io::boundary::load_workspace_config(ws.as_deref(), preset)).map_err(|e| dos_error(py, e))?;
        let loaded = with_overrides(py, loaded, dict_arg(overrides, "overrides")?)?;
        Ok(PyConfig { loaded: Arc::new(loaded) })
    }

    /// `default_config(workspace)`: the generic preset with the workspace
    /// probed; `dos.toml` is not read (as in the reference).
    #[staticmethod]
    #[pyo3(signature = (workspace=None))]
    fn default_config(py: Python<'_>, workspace: Option<String>) -> PyResult<PyConfig> {
        let cfg = py.detach(|| dos_io::boundary::default_config(workspace.as_deref())).map_err(|e| dos_error(py, e))?;
        Ok(PyConfig { loaded: Arc::new(Loaded { config: cfg, warnings: vec![] }) })
    }

    /// `job_config(workspace)`: the job preset with `dos.toml` layered once.
    #[staticmethod]
    #[pyo3(signature = (workspace=None))]
    fn job_config(py: Python<'_>, workspace: Option<String>) -> PyResult<PyConfig> {
        let loaded = py.detach(|| dos_io::boundary::job_config(workspace.as_deref())).map_err(|e| dos_error(py, e))?;
        Ok(PyConfig { loaded: Arc::new(loaded) })
    }

    /// `workshop_config(workspace)`: the workshop driver's base, no `dos.toml`.
    #[staticmethod]
    #[pyo3(signature = (workspace=None))]
    fn workshop_config(py: Python<'_>, workspace: Option<String>) -> PyResult<PyConfig> {
        let cfg = py.detach(|| dos_io::boundary::workshop_config(workspace.as_deref())).map_err(|e| dos_error(py, e))?;
        Ok(PyConfig { loaded: Arc::new(Loaded { config: cfg, warnings: vec![] }) })
    }

    /// Build from an inline config mapping (the envelope's `config` object);
    /// `overrides` are further tables layered on top.
    #[staticmethod]
    #[pyo3(signature = (config, overrides=None))]
    fn from_dict(py: Python<'_>, config: &Bound<'_, PyAny>, overrides: Option<&Bound<'_, PyAny>>) -> PyResult<PyConfig> {
        let d = dict_arg(Some(config), "config")?.unwrap_or_default();
        let loaded = py.detach(|| dos_io::workspace::load(&d)).map_err(|e| dos_error(py, e))?;
        let loaded = with_overrides(py, loaded, dict_arg(overrides, "overrides")?)?;
        Ok(PyConfig { loaded: Arc::new(loaded) })
    }

    /// What was ignored on the way: `[{"table", "key", "message"}, …]`.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &Value::List(self.loaded.warnings.iter().map(|w| w.to_value()).collect()))
    }

    /// The resolved workspace root.
    #[getter]
    fn root(&self) -> &str {
        self.loaded.config.root()
    }

    /// The config as data (every seam, in the reference's field order).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.loaded.config.to_value())
    }

    /// Run one envelope operation under this config.
    #[pyo3(signature = (op, args=None))]
    fn dispatch<'py>(&self, py: Python<'py>, op: &str, args: Option<&Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyAny>> {
        let args = dict_arg(args, "args")?.unwrap_or_default();
        match crate::run_dispatch(py, op, Some(&self.loaded.config), None, &args) {
            Ok(v) => to_py(py, &v),
            Err(e) => Err(dos_error(py, e)),
        }
    }

    /// The JSON envelope under this config (its `config` field is not consulted).
    fn call(&self, py: Python<'_>, request: &Bound<'_, PyAny>) -> PyResult<String> {
        let bytes = text_bytes(request)?;
        let cfg = Arc::clone(&self.loaded);
        let (_, out) = py.detach(move || dos_ops::call_with(&bytes, Some(&cfg.config)));
        String::from_utf8(out).map_err(|_| PyValueError::new_err("libdos produced a non-UTF-8 response"))
    }

    fn __repr__(&self) -> String {
        format!(
            "Config(root={}, lanes={}, warnings={})",
            dos_core::pystr::repr(self.loaded.config.root()),
            self.loaded.config.lanes.concurrent.len() + self.loaded.config.lanes.exclusive.len(),
            self.loaded.warnings.len()
        )
    }
}

/// `config.resolve_workspace_root(workspace=None)`.
#[crate::guard]
#[pyfunction]
#[pyo3(signature = (workspace=None))]
fn resolve_workspace_root(py: Python<'_>, workspace: Option<&str>) -> PyResult<String> {
    py.detach(|| dos_io::boundary::resolve_workspace_root(workspace)).map_err(|e| dos_error(py, e))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyConfig>()?;
    m.add_function(wrap_pyfunction!(resolve_workspace_root, m)?)?;
    Ok(())
}
