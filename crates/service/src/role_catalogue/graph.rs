//! The implication graph: its closure, or the cycle that stops it being a hierarchy.

use super::bits::RoleSet;

/// A role's place in the depth-first walk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    OnPath,
    Done,
}

/// For each role (`implies[i]`: the roles role `i` implies directly), every role it implies,
/// itself included.
///
/// # Errors
///
/// The first cycle found, in implication order with its first role repeated at the end
/// (`[a, b, a]`; `[a, a]` for a role that implies itself). Roles are walked in declaration
/// order, so the same catalogue always reports the same cycle.
pub(super) fn closure(implies: &[Vec<usize>]) -> Result<Vec<RoleSet>, Vec<usize>> {
    let n = implies.len();
    let mut visit = vec![Visit::New; n];
    let mut closure = vec![RoleSet::empty(n); n];
    for root in 0..n {
        if visit[root] != Visit::New {
            continue;
        }
        // An explicit stack of (role, next edge to follow), so a long chain of roles cannot
        // overflow the thread's stack.
        let mut path = vec![(root, 0)];
        visit[root] = Visit::OnPath;
        while let Some((role, next)) = path.last_mut() {
            let role = *role;
            if let Some(&child) = implies[role].get(*next) {
                *next += 1;
                match visit[child] {
                    Visit::New => {
                        visit[child] = Visit::OnPath;
                        path.push((child, 0));
                    }
                    Visit::OnPath => return Err(cycle(&path, child)),
                    Visit::Done => {}
                }
            } else {
                // Every child is done, so their closures are complete.
                path.pop();
                visit[role] = Visit::Done;
                let mut set = RoleSet::empty(n);
                set.insert(role);
                for &child in &implies[role] {
                    set.union_with(&closure[child]);
                }
                closure[role] = set;
            }
        }
    }
    Ok(closure)
}

/// The cycle closed by an edge from the end of `path` back to `to`, which is on the path.
fn cycle(path: &[(usize, usize)], to: usize) -> Vec<usize> {
    let start = path.iter().position(|&(role, _)| role == to).unwrap_or(0);
    let mut roles: Vec<usize> = path[start..].iter().map(|&(role, _)| role).collect();
    roles.push(to);
    roles
}

/// The reverse of a closure: for each role, every role whose closure holds it.
pub(super) fn reverse(closure: &[RoleSet]) -> Vec<RoleSet> {
    let n = closure.len();
    let mut reverse = vec![RoleSet::empty(n); n];
    for (holder, implied) in closure.iter().enumerate() {
        for role in implied.iter() {
            reverse[role].insert(holder);
        }
    }
    reverse
}
