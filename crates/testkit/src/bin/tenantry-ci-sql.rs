//! `tenantry-ci-sql URL SQL`: runs one statement, for `.ci/run` to prepare its databases
//! without needing `psql` or `mysql` on the machine. A "database exists" error is success.

use std::process::ExitCode;
use tenantry_migration::connect;
use tenantry_migration::sea_orm::ConnectionTrait;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, sql] = args.as_slice() else {
        eprintln!("usage: tenantry-ci-sql URL SQL");
        return ExitCode::FAILURE;
    };
    let db = match connect(url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("cannot connect to {url}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match db.execute_unprepared(sql).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) if e.to_string().contains("already exists") => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{sql}: {e}");
            ExitCode::FAILURE
        }
    }
}
