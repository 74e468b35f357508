//! Every list that can grow is a Relay cursor connection: `first`/`after` or `last`/`before`,
//! `totalCount`, `pageInfo` and opaque cursors, one shape for every list (GitHub's API is the
//! yardstick).
//!
//! Written here rather than with `async_graphql::connection::Connection` because that type
//! registers its connection and page-info types without descriptions, and every type of the
//! schema must have one (a schema test walks them).
//!
//! Two ways to fill a page: [`page_of`] for a list the resolver already holds whole (a project's
//! measures, a measure's points: read whole for its chart anyway), and [`from_rows`] for a list the
//! store pages itself by key (pathways, the audit trail).

use async_graphql::connection::{CursorType, OpaqueCursor};
use async_graphql::{Object, OutputType, SimpleObject, TypeName};
use std::borrow::Cow;

/// Most items in one page, and the page size when neither `first` nor `last` is given.
pub const MAX_PAGE: usize = 100;
pub const DEFAULT_PAGE: usize = 20;

/// The static complexity of a paged field: its page size times what each item asks for.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    (first
        .or(last)
        .unwrap_or(DEFAULT_PAGE as i32)
        .clamp(1, MAX_PAGE as i32) as usize)
        .saturating_mul(child_complexity)
}

/// Where a page of a list starts and ends, and whether more items come before or after it.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// Whether items come before this page (ask with `last` and `before: startCursor`).
    pub has_previous_page: bool,
    /// Whether items come after this page (ask with `first` and `after: endCursor`).
    pub has_next_page: bool,
    /// The cursor of the page's first item; null when the page is empty.
    pub start_cursor: Option<String>,
    /// The cursor of the page's last item; null when the page is empty.
    pub end_cursor: Option<String>,
}

/// One item of a page and the cursor that points at it.
#[derive(SimpleObject)]
#[graphql(name_type)]
pub struct Edge<V: OutputType> {
    /// Opaque: pass it as `after` or `before` to page from this item.
    pub cursor: String,
    /// The item.
    pub node: V,
}

impl<V: OutputType> TypeName for Edge<V> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Edge", V::type_name()).into()
    }
}

/// A page of a list, with its cursors ([`Paging`] says which page).
pub struct Connection<V: OutputType> {
    edges: Vec<Edge<V>>,
    page_info: PageInfo,
    total_count: u64,
}

/// A page of a list (a Relay cursor connection): ask with `first` (and `after`) to read from
/// the start, or `last` (and `before`) to read from the end; at most 100 a page.
#[Object(name_type)]
impl<V: OutputType> Connection<V> {
    /// Where this page starts and ends, and whether more items come before or after it.
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
    /// The items of this page with their cursors, in the list's order.
    async fn edges(&self) -> &Vec<Edge<V>> {
        &self.edges
    }
    /// The items of this page, in the list's order (the edges' nodes, for a client that needs
    /// no cursors).
    async fn nodes(&self) -> Vec<&V> {
        self.edges.iter().map(|e| &e.node).collect()
    }
    /// How many items the whole list holds (with the arguments' filters), across all pages.
    async fn total_count(&self) -> u64 {
        self.total_count
    }
}

impl<V: OutputType> TypeName for Connection<V> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", V::type_name()).into()
    }
}

/// The paging arguments of one list field, as the client sent them.
#[derive(Debug, Default)]
pub struct Paging {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// The page asked for, checked: how many items, from which end, between which keys.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub after: Option<String>,
    pub before: Option<String>,
    pub size: usize,
    pub from_end: bool,
}

impl Paging {
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Self {
        Self {
            first,
            after,
            last,
            before,
        }
    }

    /// Checks the sizes (1 to 100, not both) and opens the cursors.
    pub fn window(self) -> Result<Window, crate::Error> {
        let size = |field: &str, n: Option<i32>| match n {
            Some(n) if !(1..=MAX_PAGE as i32).contains(&n) => Err(crate::Error::invalid(
                field,
                format!("must be between 1 and {MAX_PAGE}"),
            )),
            n => Ok(n.map(|n| n as usize)),
        };
        let (first, last) = (size("first", self.first)?, size("last", self.last)?);
        if first.is_some() && last.is_some() {
            return Err(crate::Error::invalid(
                "last",
                "give first or last, not both",
            ));
        }
        Ok(Window {
            after: open("after", self.after)?,
            before: open("before", self.before)?,
            size: first.or(last).unwrap_or(DEFAULT_PAGE),
            from_end: last.is_some(),
        })
    }
}

fn open(field: &str, cursor: Option<String>) -> Result<Option<String>, crate::Error> {
    cursor
        .map(|c| {
            OpaqueCursor::<String>::decode_cursor(&c)
                .map(|c| c.0)
                .map_err(|_| crate::Error::invalid(field, "is not a cursor from this list"))
        })
        .transpose()
}

/// Whether the client asked for `totalCount`: counting a list the store pages by key costs a
/// query (or a scan) of its own, so it is done only when asked for.
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

impl Window {
    /// The cursors of a list keyed by id, as ids.
    pub fn ids(&self) -> Result<(Option<uuid::Uuid>, Option<uuid::Uuid>), crate::Error> {
        let id = |field: &str, c: &Option<String>| {
            c.as_deref()
                .map(|c| {
                    uuid::Uuid::parse_str(c)
                        .map_err(|_| crate::Error::invalid(field, "is not a cursor from this list"))
                })
                .transpose()
        };
        Ok((id("after", &self.after)?, id("before", &self.before)?))
    }
}

/// The cursor of the item with this key.
pub fn cursor(key: String) -> String {
    OpaqueCursor(key).encode_cursor()
}

/// A page of a list held whole, in its order; `key` names an item uniquely within the list and
/// is what its cursor holds. A cursor whose item has left the list is refused (the client starts
/// again) rather than guessed at. O(n) in the list's length.
pub fn page_of<T, V: OutputType>(
    items: Vec<T>,
    paging: Paging,
    key: impl Fn(&T) -> String,
    mut view: impl FnMut(T) -> V,
) -> Result<Connection<V>, crate::Error> {
    let window = paging.window()?;
    let position = |field: &str, wanted: &Option<String>| -> Result<Option<usize>, crate::Error> {
        wanted
            .as_ref()
            .map(|wanted| {
                items.iter().position(|i| key(i) == *wanted).ok_or_else(|| {
                    crate::Error::invalid(
                        field,
                        "the item this cursor points at is no longer in the list; start again from the first page",
                    )
                })
            })
            .transpose()
    };
    let start = position("after", &window.after)?.map_or(0, |i| i + 1);
    let end = position("before", &window.before)?.unwrap_or(items.len());
    let end = end.max(start);
    let (from, to) = if window.from_end {
        (end.saturating_sub(window.size).max(start), end)
    } else {
        (start, (start + window.size).min(end))
    };
    let total_count = items.len() as u64;
    let edges: Vec<Edge<V>> = items
        .into_iter()
        .skip(from)
        .take(to - from)
        .map(|item| Edge {
            cursor: cursor(key(&item)),
            node: view(item),
        })
        .collect();
    Ok(finish(
        edges,
        from > 0,
        to < total_count as usize,
        total_count,
    ))
}

/// A page the store has already cut by key: `rows` in the list's order and whether more rows
/// follow in the direction of reading (`more`). O(page).
pub fn from_rows<T, V: OutputType>(
    rows: Vec<T>,
    more: bool,
    window: &Window,
    total_count: u64,
    key: impl Fn(&T) -> String,
    mut view: impl FnMut(T) -> V,
) -> Connection<V> {
    // Against the direction of reading, a cursor is what says more items are there.
    let (has_previous, has_next) = if window.from_end {
        (more, window.before.is_some())
    } else {
        (window.after.is_some(), more)
    };
    let edges = rows
        .into_iter()
        .map(|row| Edge {
            cursor: cursor(key(&row)),
            node: view(row),
        })
        .collect();
    finish(edges, has_previous, has_next, total_count)
}

fn finish<V: OutputType>(
    edges: Vec<Edge<V>>,
    has_previous_page: bool,
    has_next_page: bool,
    total_count: u64,
) -> Connection<V> {
    Connection {
        page_info: PageInfo {
            has_previous_page,
            has_next_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        edges,
        total_count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(c: &Connection<i32>) -> Vec<i32> {
        c.edges.iter().map(|e| e.node).collect()
    }

    fn page(
        first: Option<i32>,
        after: Option<i32>,
        last: Option<i32>,
        before: Option<i32>,
    ) -> Connection<i32> {
        let c = |k: Option<i32>| k.map(|k| cursor(k.to_string()));
        page_of(
            (1..=10).collect(),
            Paging::new(first, c(after), last, c(before)),
            |i| i.to_string(),
            |i| i,
        )
        .expect("a valid page")
    }

    #[test]
    fn pages_forwards_and_backwards_like_relay() {
        let p = page(Some(3), None, None, None);
        assert_eq!(keys(&p), [1, 2, 3]);
        assert!(!p.page_info.has_previous_page && p.page_info.has_next_page);
        let p = page(Some(3), Some(3), None, None);
        assert_eq!(keys(&p), [4, 5, 6]);
        assert!(p.page_info.has_previous_page && p.page_info.has_next_page);
        let p = page(None, None, Some(4), None);
        assert_eq!(keys(&p), [7, 8, 9, 10]);
        assert!(p.page_info.has_previous_page && !p.page_info.has_next_page);
        let p = page(None, None, Some(4), Some(3));
        assert_eq!(keys(&p), [1, 2]);
        assert!(!p.page_info.has_previous_page && p.page_info.has_next_page);
        let p = page(Some(5), Some(2), None, Some(5));
        assert_eq!(keys(&p), [3, 4]);
        assert_eq!(p.total_count, 10);
        // The default page, and a cursor past the end.
        assert_eq!(keys(&page(None, None, None, None)).len(), 10);
        assert!(keys(&page(Some(2), Some(10), None, None)).is_empty());
    }

    #[test]
    fn refuses_bad_sizes_and_cursors() {
        let run = |paging: Paging| page_of(vec![1, 2], paging, |i| i.to_string(), |i: i32| i);
        for paging in [
            Paging::new(Some(0), None, None, None),
            Paging::new(Some(101), None, None, None),
            Paging::new(Some(1), None, Some(1), None),
            Paging::new(None, Some("not a cursor".into()), None, None),
            Paging::new(None, Some(cursor("7".into())), None, None),
        ] {
            assert!(run(paging).is_err());
        }
    }
}
