"""The organisations of the Nanning demo city and the Guangxi benchmark region."""

from __future__ import annotations

from seed_data.spec import OrgSpec

CHINA_MOBILE = "china_mobile_nn"
CHINA_UNICOM = "china_unicom_nn"
CHINA_TELECOM = "china_telecom_nn"
CHINA_TOWER = "china_tower_gx"
POWER_GRID = "gx_power_grid"
RAILWAY = "nn_railway"
MUNICIPAL = "nn_municipal"
HIGHWAY = "gx_expressway"

OPERATORS = (CHINA_MOBILE, CHINA_UNICOM, CHINA_TELECOM)

GUANGXI_POWER_GRID = OrgSpec(
    POWER_GRID, "Guangxi Power Grid (广西电网)", "power", "sharing@gxpg.example.cn"
)

NANNING_ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        CHINA_MOBILE,
        "China Mobile Nanning (中国移动南宁分公司)",
        "telecom",
        "infra-share@nn.chinamobile.example.cn",
    ),
    OrgSpec(
        CHINA_UNICOM,
        "China Unicom Nanning (中国联通南宁分公司)",
        "telecom",
        "infra-share@nn.chinaunicom.example.cn",
    ),
    OrgSpec(
        CHINA_TELECOM,
        "China Telecom Nanning (中国电信南宁分公司)",
        "telecom",
        "infra-share@nn.chinatelecom.example.cn",
    ),
    OrgSpec(
        CHINA_TOWER,
        "China Tower Guangxi (中国铁塔广西分公司)",
        "tower_company",
        "coordination@gx.chinatower.example.cn",
    ),
    GUANGXI_POWER_GRID,
    OrgSpec(
        RAILWAY,
        "Nanning Railway Bureau (南宁铁路局)",
        "rail",
        "telecom-office@nnrailway.example.cn",
    ),
    OrgSpec(
        MUNICIPAL,
        "Nanning Municipal (南宁市市政)",
        "municipal",
        "smart-poles@nanning.example.gov.cn",
    ),
    OrgSpec(
        HIGHWAY,
        "Guangxi Expressway Administration (广西高速公路管理)",
        "highway",
        "its-fiber@gxexpressway.example.cn",
    ),
)

SECTOR_OF = {org.key: org.sector for org in NANNING_ORGS}

# Prefix of each owner's own references, e.g. "CTG-TWR-000123" for a China Tower tower.
REF_PREFIX = {
    CHINA_MOBILE: "CMNN",
    CHINA_UNICOM: "CUNN",
    CHINA_TELECOM: "CTNN",
    CHINA_TOWER: "CTG",
    POWER_GRID: "GXPG",
    RAILWAY: "NNRB",
    MUNICIPAL: "NNMU",
    HIGHWAY: "GXEA",
}
