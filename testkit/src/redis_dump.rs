//! Every value a test's key prefix holds in Redis, whatever the key's type, as raw bytes: for
//! tests that prove a secret is never stored in the clear ([`values_under`]).

use redis::AsyncCommands;

/// Each key under `prefix` with the bytes it holds (strings as they are; hashes, sets, sorted
/// sets and lists as their fields, members and values, one entry each).
pub async fn values_under(redis_url: &str, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let client = redis::Client::open(redis_url).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = {
        let mut iter = redis
            .scan_match::<_, String>(format!("{prefix}*"))
            .await
            .unwrap();
        let mut keys = Vec::new();
        while let Some(key) = iter.next_item().await {
            keys.push(key.unwrap());
        }
        keys
    };
    let mut values = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        let parts: Vec<Vec<u8>> = match kind.as_str() {
            "string" => vec![redis.get(&key).await.unwrap()],
            "hash" => {
                let map: Vec<(Vec<u8>, Vec<u8>)> = redis.hgetall(&key).await.unwrap();
                map.into_iter().flat_map(|(k, v)| [k, v]).collect()
            }
            "set" => redis.smembers(&key).await.unwrap(),
            "zset" => redis.zrange(&key, 0, -1).await.unwrap(),
            "list" => redis.lrange(&key, 0, -1).await.unwrap(),
            _ => Vec::new(),
        };
        values.extend(parts.into_iter().map(|part| (key.clone(), part)));
    }
    values
}
