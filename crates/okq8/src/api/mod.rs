//! Typed generic calls: OKQ8 publishes no endpoint list, so paths and types are the
//! caller's, and everything else (key, token, retries, errors) is the pipeline's.
//! Each call returns a request builder: await it, or call one of its `send` forms.

mod generic;
mod request;

pub use request::{
    CallRequest, DeleteRequest, GetRequest, ListItemsRequest, PostRequest, PutRequest,
};
