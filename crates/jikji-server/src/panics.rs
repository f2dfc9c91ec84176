//! Panic reports without request data.
//!
//! A panic's message can quote the data it failed on: slicing a string at a bad index panics with
//! "byte index 4 is not a char boundary; it is inside '가' … of `<the string>`", so a slip in document
//! understanding would print a recognised resident number to stderr through the default hook. The
//! service's hook logs where the panic happened and only a message that is a constant of the code
//! (a `&'static str` payload); a formatted message (a `String` payload) is withheld.

use std::any::Any;

/// What the report says of a panic payload: a static message as it is, anything else withheld.
pub fn payload_message(payload: &(dyn Any + Send)) -> &'static str {
    match payload.downcast_ref::<&'static str>() {
        Some(s) => s,
        None => "<message withheld: it may quote request data>",
    }
}

/// Replaces the process's panic hook with one that logs (through `tracing`, at error level) the
/// thread, the source location and [`payload_message`]. The HTTP layer still answers the request
/// `0500` (`CatchPanicLayer`).
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        let thread = std::thread::current().name().unwrap_or("unnamed").to_string();
        tracing::error!(%thread, %location, message = payload_message(info.payload()), "panic");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_messages_are_withheld() {
        let secret = "801117-2904061";
        let p = std::panic::catch_unwind(|| {
            let s = format!("{secret} 가");
            let _ = &s[..16];
        })
        .unwrap_err();
        assert!(!payload_message(p.as_ref()).contains("801117"));
        let p = std::panic::catch_unwind(|| panic!("a constant message")).unwrap_err();
        assert_eq!(payload_message(p.as_ref()), "a constant message");
    }
}
