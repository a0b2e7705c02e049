//! The statistics records: a capture-history table.

use super::*;

/// What [`super::populate`] writes of this area, each typed field with its marker.
pub(super) async fn populate(s: &Store, m: &mut Markers, coo_a: &Actor) {
    // Statistics: a capture-history table (list names typed by a user, in the CSV too).
    let (la, lb) = (m.mk("mse_datasets.lists"), m.mk("mse_datasets.lists"));
    let stratum = m.mk("mse_datasets.stratum_column");
    let table_csv = format!(
        "{la},{lb},{stratum},count\n1,0,{},3\n0,1,x,2\n1,1,x,1\n",
        m.mk("mse_datasets.csv")
    );
    let (ds_name, ds_desc) = (m.mk("mse_datasets.name"), m.mk("mse_datasets.description"));
    s.write(coo_a, async |tx| {
        dignity_store::stats::create(
            tx,
            &dignity_store::stats::NewDataset {
                name: &ds_name,
                description: &ds_desc,
                stratum_column: Some(&stratum),
                csv: &table_csv,
                lists: &[la.clone(), lb.clone()],
                observed: 6,
                level: dignity_core::Confidentiality::Internal,
            },
        )
        .await
    })
    .await
    .unwrap();
}
