@testable import LVM

/// Reports captured from the real tools (LVM 2.03.16, Debian 12) in a qemu guest
/// booted with Debian's 6.1 kernel, on a VG of two 256 MiB loop devices:
///
///     pvcreate /dev/loop0 /dev/loop1
///     vgcreate fixvg /dev/loop0 /dev/loop1
///     lvcreate --type thin-pool -L 128m -n pool0 fixvg
///     lvcreate --type thin -V 64m --thinpool pool0 -n data fixvg
///     lvcreate -s -n data-snap1 --addtag s-bp1afnc98r8kjh4x7q2m --addtag dmsnap fixvg/data
///
/// then each report below, with `--reportformat json --units b --nosuffix` and
/// the fields dmsnap asks for. The 6.12 kernel printed the same apart from UUIDs.
enum CapturedReports {
    /// `lvs -a -o lv_name,lv_uuid,vg_name,lv_attr,lv_layout,thin_id,pool_lv,origin,lv_size,lv_tags,lv_active`:
    /// `-a` adds the pool's hidden data, metadata and spare LVs.
    static let allLogicalVolumes = """
  {
      "report": [
          {
              "lv": [
                  {"lv_name":"data", "lv_uuid":"V1oaVQ-Etlo-ANwQ-DOk0-6xZw-N0J1-Aup92U", "vg_name":"fixvg", "lv_attr":"Vwi-a-tz--", "lv_layout":"thin,sparse", "thin_id":"1", "pool_lv":"pool0", "origin":"", "lv_size":"67108864", "lv_tags":"", "lv_active":"active"},
                  {"lv_name":"data-snap1", "lv_uuid":"E3ZY1U-DVYy-qbLv-5Q1z-IRYv-bsco-UZfUXJ", "vg_name":"fixvg", "lv_attr":"Vwi---tz-k", "lv_layout":"thin,sparse", "thin_id":"2", "pool_lv":"pool0", "origin":"data", "lv_size":"67108864", "lv_tags":"dmsnap,s-bp1afnc98r8kjh4x7q2m", "lv_active":""},
                  {"lv_name":"[lvol0_pmspare]", "lv_uuid":"Kz8DLY-f71q-DPt5-Tw98-ghcp-qkLp-qqJJ00", "vg_name":"fixvg", "lv_attr":"ewi-------", "lv_layout":"linear", "thin_id":"", "pool_lv":"", "origin":"", "lv_size":"4194304", "lv_tags":"", "lv_active":""},
                  {"lv_name":"pool0", "lv_uuid":"4tlCNF-YVmQ-Oyev-ueZj-6NIz-OLVn-RbEYel", "vg_name":"fixvg", "lv_attr":"twi-aotz--", "lv_layout":"thin,pool", "thin_id":"", "pool_lv":"", "origin":"", "lv_size":"134217728", "lv_tags":"", "lv_active":"active"},
                  {"lv_name":"[pool0_tdata]", "lv_uuid":"PeraRN-wNoh-Twvk-yTXD-jJ2q-zrBN-HEO2VJ", "vg_name":"fixvg", "lv_attr":"Twi-ao----", "lv_layout":"linear", "thin_id":"", "pool_lv":"", "origin":"", "lv_size":"134217728", "lv_tags":"", "lv_active":"active"},
                  {"lv_name":"[pool0_tmeta]", "lv_uuid":"BbgCfq-X1VR-1mVr-AUDk-uDGB-OGJP-0UP1rt", "vg_name":"fixvg", "lv_attr":"ewi-ao----", "lv_layout":"linear", "thin_id":"", "pool_lv":"", "origin":"", "lv_size":"4194304", "lv_tags":"", "lv_active":"active"}
              ]
          }
      ]
  }
"""

    /// The same fields for `fixvg` after `lvchange -ay -K fixvg/data-snap1`.
    static let logicalVolumesWithActivatedSnapshot = """
  {
      "report": [
          {
              "lv": [
                  {"lv_name":"data", "lv_uuid":"V1oaVQ-Etlo-ANwQ-DOk0-6xZw-N0J1-Aup92U", "vg_name":"fixvg", "lv_attr":"Vwi-a-tz--", "lv_layout":"thin,sparse", "thin_id":"1", "pool_lv":"pool0", "origin":"", "lv_size":"67108864", "lv_tags":"", "lv_active":"active"},
                  {"lv_name":"data-snap1", "lv_uuid":"E3ZY1U-DVYy-qbLv-5Q1z-IRYv-bsco-UZfUXJ", "vg_name":"fixvg", "lv_attr":"Vwi-a-tz-k", "lv_layout":"thin,sparse", "thin_id":"2", "pool_lv":"pool0", "origin":"data", "lv_size":"67108864", "lv_tags":"dmsnap,s-bp1afnc98r8kjh4x7q2m", "lv_active":"active"},
                  {"lv_name":"pool0", "lv_uuid":"4tlCNF-YVmQ-Oyev-ueZj-6NIz-OLVn-RbEYel", "vg_name":"fixvg", "lv_attr":"twi-aotz--", "lv_layout":"thin,pool", "thin_id":"", "pool_lv":"", "origin":"", "lv_size":"134217728", "lv_tags":"", "lv_active":"active"}
              ]
          }
      ]
  }
"""

    /// `lvs fixvg/nosuch`: LVM prints an empty report and exits 5.
    static let missingLogicalVolume = """
  {
      "report": [
          {
              "lv": [
              ]
          }
      ]
  }
"""

    /// `vgs -o vg_name,vg_uuid,vg_size,vg_free,pv_count,lv_count`.
    static let volumeGroups = """
  {
      "report": [
          {
              "vg": [
                  {"vg_name":"fixvg", "vg_uuid":"f0Vndg-yfyr-VGX7-0Cbe-XSG3-QktZ-Q3IfUP", "vg_size":"528482304", "vg_free":"385875968", "pv_count":"2", "lv_count":"3"}
              ]
          }
      ]
  }
"""

    /// `pvs -o pv_name,vg_name,pv_size,pv_free,pv_uuid`.
    static let physicalVolumes = """
  {
      "report": [
          {
              "pv": [
                  {"pv_name":"/dev/loop0", "vg_name":"fixvg", "pv_size":"264241152", "pv_free":"125829120", "pv_uuid":"6UTceA-ePgw-OyOW-siT3-oiNT-8wg8-18pF52"},
                  {"pv_name":"/dev/loop1", "vg_name":"fixvg", "pv_size":"264241152", "pv_free":"260046848", "pv_uuid":"xQYB1K-9Cgi-ubps-6v4i-3Fo3-x3y8-lO4rtP"}
              ]
          }
      ]
  }
"""
}
