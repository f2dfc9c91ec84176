//! TEDS — Tree-Edit-Distance-based Similarity of tables (Zhong, ShafieiBavani & Jimeno Yepes, *Image-based
//! table recognition: data, model, and evaluation*, ECCV 2020), and its structure-only variant.
//!
//! Both tables are parsed into trees (`table` → `tr` → `td`), and
//! `TEDS = 1 − EditDistance(a, b) / max(|a|, |b|)` where `|t|` counts nodes. Insertions and deletions cost
//! 1; renaming a node costs 1 if the tags differ or (for cells) the `colspan`/`rowspan` differ, otherwise
//! for cells the normalised Levenshtein distance of their contents (characters), 0 for other nodes.
//! Structure-only TEDS treats every content as equal. The distance is Zhang & Shasha's (1989) algorithm,
//! exact for ordered trees (APTED computes the same distance faster; tables are small).
//!
//! Choices, so that a number measures what a reader of the table sees:
//! - `thead`/`tbody`/`tfoot` are dropped (their rows join `table`): which rows are "header" is not
//!   visible on paper, and the reference implementation would charge two nodes for a missing `<thead>`;
//! - `th` is read as `td`; inline markup (`<b>`, `<br>`, `<span>`…) is dropped, its text kept;
//! - cell content is compared after HTML entities are decoded and whitespace runs collapse to one space
//!   (trimmed), since OCR word spacing is a layout choice.

/// A node of a table tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub tag: String,
    pub colspan: usize,
    pub rowspan: usize,
    pub content: Vec<char>,
    pub children: Vec<Node>,
}

impl Node {
    fn new(tag: &str) -> Node {
        Node {
            tag: tag.into(),
            colspan: 1,
            rowspan: 1,
            content: Vec::new(),
            children: Vec::new(),
        }
    }

    pub fn size(&self) -> usize {
        1 + self.children.iter().map(Node::size).sum::<usize>()
    }
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &tail[1..e];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                n if n.starts_with("#x") || n.starts_with("#X") => {
                    u32::from_str_radix(&n[2..], 16).ok().and_then(char::from_u32)
                }
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            ch.map(|c| (c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &tail[len..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn attr(tag_body: &str, name: &str) -> Option<usize> {
    let lower = tag_body.to_ascii_lowercase();
    let i = lower.find(name)?;
    let rest = lower[i + name.len()..].trim_start().strip_prefix('=')?.trim_start();
    let digits: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// Parses the first `<table>` of an HTML string into a tree. Lenient: unclosed `tr`/`td` are closed by
/// the next one, text outside cells is ignored. Returns `None` without a `<table>`.
pub fn parse_table(html: &str) -> Option<Node> {
    let start = html.to_ascii_lowercase().find("<table")?;
    let html = &html[start..];
    let mut table = Node::new("table");
    let mut row: Option<Node> = None;
    let mut cell: Option<(Node, String)> = None;
    let mut i = 0;
    let b = html.as_bytes();
    let close_cell = |row: &mut Option<Node>, cell: &mut Option<(Node, String)>| {
        if let Some((mut c, text)) = cell.take() {
            let t = decode_entities(&text);
            c.content = t.split_whitespace().collect::<Vec<_>>().join(" ").chars().collect();
            row.get_or_insert_with(|| Node::new("tr")).children.push(c);
        }
    };
    let close_row = |table: &mut Node, row: &mut Option<Node>| {
        if let Some(r) = row.take() {
            table.children.push(r);
        }
    };
    while i < b.len() {
        if b[i] == b'<' {
            let Some(end) = html[i..].find('>') else { break };
            let body = &html[i + 1..i + end];
            i += end + 1;
            let closing = body.starts_with('/');
            let name: String = body
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            match (name.as_str(), closing) {
                ("table", true) => break,
                ("tr", false) => {
                    close_cell(&mut row, &mut cell);
                    close_row(&mut table, &mut row);
                    row = Some(Node::new("tr"));
                }
                ("tr", true) => {
                    close_cell(&mut row, &mut cell);
                    close_row(&mut table, &mut row);
                }
                ("td" | "th", false) => {
                    close_cell(&mut row, &mut cell);
                    let mut c = Node::new("td");
                    c.colspan = attr(body, "colspan").unwrap_or(1).max(1);
                    c.rowspan = attr(body, "rowspan").unwrap_or(1).max(1);
                    cell = Some((c, String::new()));
                }
                ("td" | "th", true) => close_cell(&mut row, &mut cell),
                ("br" | "p" | "div", _) => {
                    if let Some((_, t)) = cell.as_mut() {
                        t.push(' ');
                    }
                }
                _ => {}
            }
        } else {
            let next = html[i..].find('<').map(|n| i + n).unwrap_or(b.len());
            if let Some((_, t)) = cell.as_mut() {
                t.push_str(&html[i..next]);
            }
            i = next;
        }
    }
    close_cell(&mut row, &mut cell);
    close_row(&mut table, &mut row);
    Some(table)
}

fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + usize::from(ca != cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

fn rename_cost(a: &Node, b: &Node, structure_only: bool) -> f64 {
    if a.tag != b.tag || a.colspan != b.colspan || a.rowspan != b.rowspan {
        return 1.0;
    }
    if a.tag != "td" || structure_only {
        return 0.0;
    }
    let n = a.content.len().max(b.content.len());
    if n == 0 {
        0.0
    } else {
        levenshtein(&a.content, &b.content) as f64 / n as f64
    }
}

/// Post-order flattening for Zhang–Shasha: nodes, and each node's leftmost leaf descendant (indices).
fn postorder<'a>(n: &'a Node, nodes: &mut Vec<&'a Node>, lml: &mut Vec<usize>) -> usize {
    let mut first_leaf = None;
    for c in &n.children {
        let l = postorder(c, nodes, lml);
        first_leaf.get_or_insert(l);
    }
    let me = nodes.len();
    nodes.push(n);
    let l = first_leaf.unwrap_or(me);
    lml.push(l);
    l
}

/// Zhang–Shasha tree edit distance with unit insert/delete costs and [`rename_cost`].
pub fn tree_edit_distance(a: &Node, b: &Node, structure_only: bool) -> f64 {
    let (mut na, mut la) = (Vec::new(), Vec::new());
    let (mut nb, mut lb) = (Vec::new(), Vec::new());
    postorder(a, &mut na, &mut la);
    postorder(b, &mut nb, &mut lb);
    let keyroots = |l: &[usize]| -> Vec<usize> {
        let mut k: Vec<usize> = (0..l.len())
            .filter(|&i| !(i + 1..l.len()).any(|j| l[j] == l[i]))
            .collect();
        k.sort_unstable();
        k
    };
    let (ka, kb) = (keyroots(&la), keyroots(&lb));
    let (m, n) = (na.len(), nb.len());
    let mut td = vec![vec![0.0f64; n]; m];
    let mut fd = vec![vec![0.0f64; n + 1]; m + 1];
    for &i in &ka {
        for &j in &kb {
            let (li, lj) = (la[i], lb[j]);
            // fd indices are offset: row x ↔ node li + x - 1.
            fd[0][0] = 0.0;
            for x in 1..=i - li + 1 {
                fd[x][0] = fd[x - 1][0] + 1.0;
            }
            for y in 1..=j - lj + 1 {
                fd[0][y] = fd[0][y - 1] + 1.0;
            }
            for x in 1..=i - li + 1 {
                for y in 1..=j - lj + 1 {
                    let (ni, nj) = (li + x - 1, lj + y - 1);
                    let del = fd[x - 1][y] + 1.0;
                    let ins = fd[x][y - 1] + 1.0;
                    if la[ni] == li && lb[nj] == lj {
                        let ren = fd[x - 1][y - 1] + rename_cost(na[ni], nb[nj], structure_only);
                        fd[x][y] = del.min(ins).min(ren);
                        td[ni][nj] = fd[x][y];
                    } else {
                        let px = la[ni] - li;
                        let py = lb[nj] - lj;
                        fd[x][y] = del.min(ins).min(fd[px][py] + td[ni][nj]);
                    }
                }
            }
        }
    }
    td[m - 1][n - 1]
}

/// TEDS of two parsed tables, in [0, 1].
pub fn teds_trees(pred: &Node, gt: &Node, structure_only: bool) -> f64 {
    let n = pred.size().max(gt.size()) as f64;
    (1.0 - tree_edit_distance(pred, gt, structure_only) / n).max(0.0)
}

/// TEDS of two HTML tables. A prediction without a `<table>` scores 0 (against a GT table).
pub fn teds(pred_html: &str, gt_html: &str, structure_only: bool) -> f64 {
    let gt = parse_table(gt_html).unwrap_or_else(|| Node::new("table"));
    let pred = parse_table(pred_html).unwrap_or_else(|| Node::new("__none__"));
    teds_trees(&pred, &gt, structure_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GT: &str = "<table><thead><tr><th rowspan=\"2\">구분</th><th colspan='2'>금액</th></tr></thead>\
        <tbody><tr><td>1,200</td><td>A&amp;B</td></tr></tbody></table>";

    #[test]
    fn parses_spans_entities_and_drops_sections() {
        let t = parse_table(GT).unwrap();
        assert_eq!(t.children.len(), 2);
        let c = &t.children[0].children;
        assert_eq!((c[0].rowspan, c[1].colspan), (2, 2));
        assert_eq!(t.children[1].children[1].content, "A&B".chars().collect::<Vec<_>>());
        assert_eq!(t.size(), 1 + 2 + 4);
        assert!(parse_table("no table").is_none());
    }

    #[test]
    fn identical_tables_score_one() {
        assert_eq!(teds(GT, GT, false), 1.0);
        let same = "<table><tr><td rowspan=2> 구분 </td><td colspan=2>금액<br></td></tr><tr><td>1,200<td>A&amp;B</table>";
        assert_eq!(teds(same, GT, false), 1.0);
    }

    #[test]
    fn content_errors_cost_their_normalised_edit_distance() {
        // One character wrong in a 5-char cell: distance 0.2 over 7 nodes.
        let p = GT.replace("1,200", "1,300");
        let s = teds(&p, GT, false);
        assert!((s - (1.0 - 0.2 / 7.0)).abs() < 1e-9, "{s}");
        assert_eq!(teds(&p, GT, true), 1.0);
    }

    #[test]
    fn structure_errors_cost_whole_nodes() {
        // Lost colspan: the cell renames (1); lost cell: one deletion more.
        let p = "<table><tr><td rowspan=\"2\">구분</td><td>금액</td></tr><tr><td>1,200</td><td>A&amp;B</td></tr></table>";
        assert!((teds(p, GT, true) - (1.0 - 1.0 / 7.0)).abs() < 1e-9);
        let p2 = "<table><tr><td rowspan=\"2\">구분</td><td colspan=\"2\">금액</td></tr><tr><td>1,200</td></tr></table>";
        assert!((teds(p2, GT, true) - (1.0 - 1.0 / 7.0)).abs() < 1e-9);
        assert_eq!(teds("", GT, true), 0.0);
    }

    #[test]
    fn zhang_shasha_matches_a_known_distance() {
        // Classic example shape: f(d(a c(b)) e) vs f(c(d(a b)) e) has distance 2 with unit costs.
        fn n(tag: &str, ch: Vec<Node>) -> Node {
            let mut x = Node::new(tag);
            x.children = ch;
            x
        }
        let a = n("f", vec![n("d", vec![n("a", vec![]), n("c", vec![n("b", vec![])])]), n("e", vec![])]);
        let b = n("f", vec![n("c", vec![n("d", vec![n("a", vec![]), n("b", vec![])])]), n("e", vec![])]);
        assert_eq!(tree_edit_distance(&a, &b, true), 2.0);
        assert_eq!(tree_edit_distance(&a, &a, true), 0.0);
    }
}
