//! The lists the reference server's variables hold: comma-separated names
//! (`REPORT_ONLY_CHECKS=redis,cache`) and groups (`HEALTH_GROUPS=lb=/lbz:database,redis?`).
//! Nothing here reads the environment or prints: the fuzz package includes this file as it is
//! (`fuzz/fuzz_targets/health_groups.rs`), so it uses nothing but `tower_health`.

use tower_health::Group;

/// `list` as comma-separated names, spaces around them ignored. An empty name between commas
/// is an error.
pub(crate) fn names(list: &str) -> Result<Vec<String>, &'static str> {
    list.split(',')
        .map(|name| match name.trim() {
            "" => Err("an empty name"),
            name => Ok(name.to_owned()),
        })
        .collect()
}

/// `raw` as groups, `name=/path:member,member;…`. A member ending in `?` is optional
/// (`cache?`), one starting with `@` is another group whose members count too (`@lb`). A
/// malformed definition is an error naming it.
pub(crate) fn groups(raw: &str) -> Result<Vec<Group>, String> {
    raw.split(';')
        .map(|definition| {
            group(definition.trim()).map_err(|error| {
                format!("{definition:?}: {error} (expected name=/path:member,optional?,@group)")
            })
        })
        .collect()
}

/// One definition, `name=/path:member,…`.
fn group(definition: &str) -> Result<Group, &'static str> {
    let (name, rest) = definition.split_once('=').ok_or("no '='")?;
    let (path, members) = rest.split_once(':').ok_or("no ':' before the members")?;
    if name.trim().is_empty() {
        return Err("an empty name");
    }
    let mut group = Group::new(name.trim(), path.trim());
    for member in names(members)? {
        group = match (member.strip_prefix('@'), member.strip_suffix('?')) {
            (Some(_), Some(_)) => return Err("a group cannot be optional"),
            (Some(""), _) | (_, Some("")) => return Err("an empty name"),
            (Some(nested), None) => group.members_of([nested]),
            (None, Some(optional)) => group.optional_members([optional]),
            (None, None) => group.members([member]),
        };
    }
    Ok(group)
}
