//! Groups in groups: each group's members once the groups it nests are resolved.

use super::group::Group;

/// Resolve nesting in place: each group's required and optional members then include those
/// of the groups it nests, at any depth, each name once (required wins over optional). The
/// error names the group and the nested name that is not a group, or the cycle.
pub(crate) fn resolve(groups: &mut [Group]) -> Result<(), String> {
    let mut resolved: Vec<Option<Members>> = vec![None; groups.len()];
    for position in 0..groups.len() {
        visit(groups, position, &mut resolved, &mut Vec::new())?;
    }
    for (group, members) in groups.iter_mut().zip(resolved) {
        let Members { required, optional } = members.unwrap_or_default();
        group.members = required;
        group.optional = optional;
    }
    Ok(())
}

/// One group's members, nesting resolved.
#[derive(Debug, Clone, Default)]
struct Members {
    required: Vec<String>,
    optional: Vec<String>,
}

impl Members {
    fn require(&mut self, name: &str) {
        self.optional.retain(|other| other != name);
        if !self.required.iter().any(|other| other == name) {
            self.required.push(name.to_owned());
        }
    }

    fn allow(&mut self, name: &str) {
        let known = |list: &[String]| list.iter().any(|other| other == name);
        if !known(&self.required) && !known(&self.optional) {
            self.optional.push(name.to_owned());
        }
    }
}

/// Resolve the group at `position`, `path` holding the groups being resolved above it.
fn visit(
    groups: &[Group],
    position: usize,
    resolved: &mut [Option<Members>],
    path: &mut Vec<usize>,
) -> Result<(), String> {
    if resolved[position].is_some() {
        return Ok(());
    }
    if let Some(start) = path.iter().position(|&on| on == position) {
        let cycle: Vec<String> = path[start..]
            .iter()
            .chain([&position])
            .map(|&on| format!("{:?}", groups[on].name))
            .collect();
        let name = &groups[position].name;
        return Err(format!(
            "group {name:?}: nested groups form a cycle: {}",
            cycle.join(" -> ")
        ));
    }
    let group = &groups[position];
    path.push(position);
    let mut members = Members::default();
    for name in &group.members {
        members.require(name);
    }
    for name in &group.optional {
        members.allow(name);
    }
    for nested in &group.nested {
        let Some(inner) = groups.iter().position(|other| other.name == *nested) else {
            let name = &group.name;
            return Err(format!(
                "group {name:?}: nested group {nested:?} is not registered"
            ));
        };
        visit(groups, inner, resolved, path)?;
        let inner = resolved[inner].clone().unwrap_or_default();
        inner.required.iter().for_each(|name| members.require(name));
        inner.optional.iter().for_each(|name| members.allow(name));
    }
    path.pop();
    resolved[position] = Some(members);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[String]) -> Vec<&str> {
        list.iter().map(String::as_str).collect()
    }

    #[test]
    fn nested_members_are_counted_once_at_any_depth() {
        let mut groups = [
            Group::new("deep", "/deep")
                .members_of(["lb", "edge"])
                .members(["search"]),
            Group::new("lb", "/lbz")
                .members(["database"])
                .optional_members(["cache"]),
            Group::new("edge", "/edgez").members_of(["lb"]),
        ];
        // "lb" is reached twice from "deep" (directly and through "edge"): no cycle.
        resolve(&mut groups).unwrap();
        assert_eq!(names(&groups[0].members), ["search", "database"]);
        assert_eq!(names(&groups[0].optional), ["cache"]);
        assert_eq!(names(&groups[1].members), ["database"]);
        assert_eq!(names(&groups[2].members), ["database"]);
        assert_eq!(names(&groups[2].optional), ["cache"]);
        assert!(groups[0].nested_group_names().eq(["lb", "edge"]), "kept");
    }

    #[test]
    fn required_anywhere_wins_over_optional() {
        let mut groups = [
            Group::new("outer", "/outer")
                .optional_members(["redis", "search"])
                .members_of(["inner"]),
            Group::new("inner", "/inner")
                .members(["redis"])
                .optional_members(["search"]),
        ];
        resolve(&mut groups).unwrap();
        assert_eq!(names(&groups[0].members), ["redis"]);
        assert_eq!(names(&groups[0].optional), ["search"]);
        assert!(groups[0].counts("redis") && groups[0].counts("search"));
        assert!(!groups[0].counts("database"));
    }

    #[test]
    fn unknown_nested_groups_are_refused_naming_them() {
        let mut groups = [Group::new("deep", "/deep").members_of(["nope"])];
        assert_eq!(
            resolve(&mut groups).unwrap_err(),
            "group \"deep\": nested group \"nope\" is not registered"
        );
    }

    #[test]
    fn cycles_are_refused_naming_the_cycle() {
        let mut groups = [
            Group::new("a", "/a").members_of(["b"]),
            Group::new("b", "/b").members_of(["c"]),
            Group::new("c", "/c").members_of(["a"]),
        ];
        assert_eq!(
            resolve(&mut groups).unwrap_err(),
            "group \"a\": nested groups form a cycle: \"a\" -> \"b\" -> \"c\" -> \"a\""
        );
        let mut groups = [
            Group::new("lb", "/lbz"),
            Group::new("self", "/self").members_of(["lb", "self"]),
        ];
        assert_eq!(
            resolve(&mut groups).unwrap_err(),
            "group \"self\": nested groups form a cycle: \"self\" -> \"self\""
        );
    }
}
