//! Who the client is, for rate limiting and logs.
//!
//! A proxy's `X-Forwarded-For` is believed only when the connection comes from a proxy we
//! trust: over the unix socket (only the local proxy can reach it) or from an address in
//! `trusted_proxies`. Anyone else could write any address into the header, so for them the
//! header is ignored and the connection's own address is used.
//!
//! Addresses are canonical: on a dual-stack listener (`[::]`) an IPv4 client or proxy
//! arrives as an IPv4-mapped IPv6 address (`::ffff:127.0.0.2`); it is compared with
//! `trusted_proxies` and keys rate limits as the IPv4 address it is.

use std::net::{IpAddr, SocketAddr};

use axum::http::request::Parts;
use ipnet::IpNet;

/// The other end of the connection, attached to every request by the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Tcp(SocketAddr),
    Unix,
}

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, or `None` when it cannot be known (a local caller on the unix
/// socket without a proxy header, or a request that did not come through the server loop).
pub fn client_ip(parts: &Parts, trusted_proxies: &[IpNet]) -> Option<IpAddr> {
    let peer = match parts.extensions.get::<Peer>()? {
        Peer::Tcp(address) => Some(address.ip().to_canonical()),
        Peer::Unix => None,
    };
    let trusted = match peer {
        None => true,
        Some(address) => trusted_proxies.iter().any(|net| net.contains(&address)),
    };
    if trusted && let Some(forwarded) = forwarded_client(parts) {
        return Some(forwarded);
    }
    peer
}

/// The last address in `X-Forwarded-For`: the one our proxy appended (earlier entries were
/// written by the client and prove nothing).
fn forwarded_client(parts: &Parts) -> Option<IpAddr> {
    let header = parts
        .headers
        .get_all(FORWARDED_FOR)
        .iter()
        .next_back()?
        .to_str()
        .ok()?;
    let address: IpAddr = header.rsplit(',').next()?.trim().parse().ok()?;
    Some(address.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: Option<Peer>, forwarded: Option<&str>) -> Parts {
        let mut request = Request::get("/").body(()).unwrap();
        if let Some(peer) = peer {
            request.extensions_mut().insert(peer);
        }
        if let Some(value) = forwarded {
            request
                .headers_mut()
                .insert(FORWARDED_FOR, value.parse().unwrap());
        }
        request.into_parts().0
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let peer = Peer::Tcp("203.0.113.9:5555".parse().unwrap());
        assert_eq!(
            client_ip(&parts(Some(peer), Some("1.2.3.4")), &[]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_it_saw() {
        let peer = Peer::Tcp("10.0.0.2:5555".parse().unwrap());
        let trusted = ["10.0.0.0/24".parse().unwrap()];
        // The client wrote "6.6.6.6"; the proxy appended the address it really saw.
        let request = parts(Some(peer), Some("6.6.6.6, 198.51.100.7"));
        assert_eq!(client_ip(&request, &trusted), Some(ip("198.51.100.7")));
        assert_eq!(
            client_ip(&parts(Some(peer), None), &trusted),
            Some(ip("10.0.0.2"))
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_the_ipv4_addresses_they_are() {
        // A dual-stack listener sees the IPv4 proxy 127.0.0.2 as ::ffff:127.0.0.2.
        let peer = Peer::Tcp("[::ffff:127.0.0.2]:5555".parse().unwrap());
        let trusted = ["127.0.0.2/32".parse().unwrap()];
        let request = parts(Some(peer), Some("198.51.100.7"));
        assert_eq!(client_ip(&request, &trusted), Some(ip("198.51.100.7")));
        // Untrusted: its own address, as IPv4.
        assert_eq!(client_ip(&request, &[]), Some(ip("127.0.0.2")));
        // A mapped address in the header is the IPv4 client too.
        let request = parts(Some(peer), Some("::ffff:198.51.100.7"));
        assert_eq!(client_ip(&request, &trusted), Some(ip("198.51.100.7")));
    }

    #[test]
    fn the_unix_socket_is_the_local_proxy() {
        assert_eq!(
            client_ip(&parts(Some(Peer::Unix), Some("198.51.100.7")), &[]),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            client_ip(&parts(Some(Peer::Unix), Some("garbage")), &[]),
            None
        );
        assert_eq!(client_ip(&parts(None, Some("198.51.100.7")), &[]), None);
    }
}
