//! `x-ms-pageable` and `x-ms-long-running-operation`, interpreted against the operation's
//! success result.

use super::Lowering;
use crate::error::{Error, Origin, Result};
use crate::ir::*;
use crate::spec::Operation;

/// The `final-state-via` values Azure defines.
const FINAL_STATE_VIA: &[&str] = &[
    "azure-async-operation",
    "location",
    "original-uri",
    "operation-location",
];

impl Lowering<'_> {
    /// The paging of an operation: the page model (its success body), its items field and its
    /// next-link field.
    pub(super) fn paging(
        &self,
        origin: &Origin,
        op: &Operation,
        result: &ResultShape,
    ) -> Result<Option<Paging>> {
        let paging = match &op.pageable {
            None => None,
            Some(pageable) => {
                if pageable.operation_name.is_some() {
                    return Err(Error::at(origin, "x-ms-pageable operationName (a separate next-page operation) is not supported"));
                }
                let ResultShape::Body(TypeRef::Named(page_name)) = result else {
                    return Err(Error::at(
                        origin,
                        "a pageable operation must return a named page model",
                    ));
                };
                let page = self
                    .types
                    .get(page_name)
                    .ok_or_else(|| Error::at(origin, "page model missing"))?;
                let TypeKind::Struct(page_struct) = &page.kind else {
                    return Err(Error::at(origin, "the page model is not an object"));
                };
                let item_wire = pageable.item_name.as_deref().unwrap_or("value");
                let items = page_struct
                    .fields
                    .iter()
                    .find(|f| f.wire_name == item_wire)
                    .ok_or_else(|| {
                        Error::at(
                            origin,
                            format!("page model `{page_name}` has no items field `{item_wire}`"),
                        )
                    })?;
                let TypeRef::Array(item_type) = &items.ty else {
                    return Err(Error::at(
                        origin,
                        format!("items field `{item_wire}` is not an array"),
                    ));
                };
                let next = match &pageable.next_link_name {
                    None => None,
                    Some(name) => Some(
                        page_struct
                            .fields
                            .iter()
                            .find(|f| &f.wire_name == name)
                            .ok_or_else(|| {
                                Error::at(
                                    origin,
                                    format!(
                                        "page model `{page_name}` has no next-link field `{name}`"
                                    ),
                                )
                            })?,
                    ),
                };
                Some(Paging {
                    page_type: TypeRef::Named(page_name.clone()),
                    items_field: items.rust_name.clone(),
                    item_type: (**item_type).clone(),
                    next_link_field: next.map(|f| f.rust_name.clone()),
                })
            }
        };
        Ok(paging)
    }

    /// The long-running behaviour of an operation: how its final state is found and its type.
    pub(super) fn lro(
        &mut self,
        origin: &Origin,
        op: &Operation,
        result: &ResultShape,
    ) -> Result<Option<Lro>> {
        let lro = if op.long_running {
            let options = op.long_running_options.as_ref();
            let mut final_state_via = options.and_then(|o| o.final_state_via.clone());
            if let Some(via) = &final_state_via {
                if !FINAL_STATE_VIA.contains(&via.as_str()) {
                    return Err(Error::at(
                        origin,
                        format!("unknown final-state-via `{via}`"),
                    ));
                }
            }
            // Configured exceptions: the spec names a status monitor, but the result the
            // caller needs is the initial response's body (security domain download).
            if self
                .krate
                .lro_result_from_initial_response
                .contains(&op.operation_id)
            {
                final_state_via = Some("initial-response".to_owned());
            }
            let final_type = match options.and_then(|o| o.final_state_schema.as_deref()) {
                Some(reference) => Some(self.reference_type(origin, reference)?),
                None => match result {
                    ResultShape::Body(ty) | ResultShape::OptionalBody(ty) => Some(ty.clone()),
                    _ => None,
                },
            };
            Some(Lro {
                final_state_via,
                final_type,
            })
        } else {
            None
        };
        Ok(lro)
    }
}
