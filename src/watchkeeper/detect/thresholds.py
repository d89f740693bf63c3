"""Every threshold of every detector, with where its value comes from.

A node reads them from the `detection` setting (a `[detection]` table in
`watchkeeper.toml`, or a JSON object in `WATCHKEEPER_DETECTION`); docs/detection.md
lists them (a test keeps the two in step).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Thresholds"]


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # distress_beacon
    beacon_episode_gap_s: float = Field(
        default=600.0,
        gt=0,
        description="Reports of one beacon further apart than this start a new event. "
        "Source: an AIS-SART transmits a burst of 8 every minute (IEC 61097-14); ten "
        "missed minutes means it was switched off or sank out of reach.",
    )
    # drift
    drift_min_sog: float = Field(
        default=1.0,
        ge=0,
        description="Lowest speed (kn) of a drifting vessel. Source: DMA AisAbnormal DriftAnalysis, SPEED_LOW_MARK 1.0.",
    )
    drift_max_sog: float = Field(
        default=5.0,
        gt=0,
        description="Highest speed (kn) of a drifting vessel. Source: DMA AisAbnormal DriftAnalysis, SPEED_HIGH_MARK 5.0.",
    )
    drift_min_deviation_deg: float = Field(
        default=45.0,
        ge=0,
        le=180,
        description="Least difference between course over ground and heading: the hull "
        "does not point where it goes. Source: DMA AisAbnormal DriftAnalysis, MIN_HDG_COG_DEVIATION_DEGREES 45.",
    )
    drift_min_duration_s: float = Field(
        default=600.0,
        gt=0,
        description="How long the drift must last. Source: DMA AisAbnormal DriftAnalysis, OBSERVATION_PERIOD_MINUTES 10.",
    )
    drift_min_distance_m: float = Field(
        default=500.0,
        ge=0,
        description="How far the vessel must drift. Source: DMA AisAbnormal DriftAnalysis, OBSERVATION_DISTANCE_METERS 500.",
    )
    drift_early_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="The drift event is raised once the rule has held for this share of "
        "its duration and distance (with `drift_no_heading_min_reports`), and confirmed "
        "when it holds in full: people in distress come first, and waiting out DMA's ten "
        "minutes and 500 m at 1-2 kn puts the alert 10-14 minutes after the engine "
        "stopped. A drift that stops short of the full rule is dropped.",
    )
    drift_max_interruption_s: float = Field(
        default=400.0,
        ge=0,
        description="A drift survives reports that break the rule, or a silence, for at "
        "most this long (a gust, a heading glitch, a lost report). Slow class B sets and "
        "class A ships under 3 kn report every 3 minutes (ITU-R M.1371); this bridges one "
        "lost report at that rate.",
    )
    drift_no_heading_max_sog: float = Field(
        default=3.0,
        gt=0,
        description="Small craft without heading: highest speed (kn) of a drift. Wind and "
        "current carry a disabled open boat at roughly 1-3 kn (leeway of 3-5 % of the "
        "wind speed; IAMSAR Manual vol. II, ch. 4).",
    )
    drift_no_heading_max_cog_spread_deg: float = Field(
        default=30.0,
        gt=0,
        description="Small craft without heading: a drift keeps its course over ground "
        "(downwind): the circular standard deviation of the course over its first "
        "`drift_no_heading_min_duration_s` stays under this (over hours the wind shifts).",
    )
    drift_no_heading_min_duration_s: float = Field(
        default=600.0,
        gt=0,
        description="Small craft without heading: how long the drift must last before it "
        "is raised; as DMA's observation period, since a boat in distress cannot wait "
        "(the steady-course rule and `drift_no_heading_min_reports` guard against slow sailing).",
    )
    drift_no_heading_min_reports: int = Field(
        default=4,
        ge=2,
        description="Small craft without heading: reports needed before the course's "
        "steadiness means anything (class B at 3-minute intervals: 10 minutes).",
    )
    # sudden_speed_change
    ssc_high_sog: float = Field(
        default=7.0,
        gt=0,
        description="Speed (kn) above which the vessel was under way. Source: DMA AisAbnormal SuddenSpeedChangeAnalysis, SPEED_HIGH_MARK 7.",
    )
    ssc_low_sog: float = Field(
        default=1.0,
        ge=0,
        description="Speed (kn) below which it has stopped. Source: DMA AisAbnormal SuddenSpeedChangeAnalysis, SPEED_LOW_MARK 1.",
    )
    ssc_max_decay_s: float = Field(
        default=30.0,
        gt=0,
        description="The drop from high to low happens within this time. Source: DMA AisAbnormal SuddenSpeedChangeAnalysis, SUDDEN_TIME_SECS 30.",
    )
    ssc_min_sustain_s: float = Field(
        default=60.0,
        gt=0,
        description="The low speed is held at least this long. Source: DMA AisAbnormal SuddenSpeedChangeAnalysis, SUSTAIN_LOW_SPEED_SECS 60.",
    )

    # position_spoofing and identity_spoofing (shared MMSI)
    max_speed_kn: float = Field(
        default=60.0,
        gt=0,
        description="Fastest a vessel may move between two reports; faster means the "
        "positions cannot belong to one vessel. The fastest high-speed craft in service "
        "make about 40-50 kn (IMO HSC Code craft); 60 kn leaves room for rounding.",
    )
    position_slack_s: float = Field(
        default=10.0,
        ge=0,
        description="Seconds added to the time between two reports before judging their "
        "speed: receivers' clocks disagree by seconds (the tag block times are theirs).",
    )
    sog_speed_factor: float = Field(
        default=2.0,
        ge=1,
        description="Between two reports that both give a speed, a vessel may move at most "
        "this many times the faster of them (plus `sog_speed_margin_kn`): it may have "
        "sped up while unheard, but not tripled its speed and slowed down again.",
    )
    sog_speed_margin_kn: float = Field(
        default=5.0,
        ge=0,
        description="Added to the reported-speed limit, so slow vessels keep room for "
        "currents and manoeuvres.",
    )
    position_jitter_m: float = Field(
        default=1000.0,
        ge=0,
        description="Distance between two reports that is always possible, whatever the "
        "time between them: GNSS error, a berth reported from the approach, the same "
        "report heard with different delays. Spoofed jumps are tens of miles.",
    )
    spoof_min_reports: int = Field(
        default=3,
        ge=1,
        description="Reports a second track needs before it is an event: a single wild "
        "position is a GNSS or decoding glitch, common in real AIS.",
    )
    spoof_min_apart_m: float = Field(
        default=10_000.0,
        ge=0,
        description="A second track this close to the main one is a position glitch (a "
        "GNSS jump, a berth reported from the approach), not spoofing: spoofed positions "
        "and cloned identities sit tens of miles away.",
    )
    spoof_min_overlap_reports: int = Field(
        default=2,
        ge=1,
        description="Reports the main track must send while the second one is heard for "
        "the two to be simultaneous (two transmitters: identity spoofing) rather than "
        "the one transponder's positions jumping away (position spoofing).",
    )
    spoof_handover_s: float = Field(
        default=600.0,
        gt=0,
        description="A transponder whose positions jump away hands over from its true "
        "track to the false one between two of its reports: the second track starts within "
        "this time of the main one's last report. One that begins while the main one has "
        "long been silent, the main one heard again later, is another transmitter on the "
        "MMSI whose genuine ship was out of range (identity spoofing).",
    )
    spoof_same_motion_kn: float = Field(
        default=2.0,
        gt=0,
        description="A transponder's jumped positions keep its ship's motion, shifted: a "
        "second track whose velocity at the hand-over is within this (kn, vector "
        "difference) of the main track's, under way, is one transponder (position "
        "spoofing), however long the main track was silent; a second track sailing "
        "another course or speed is another ship (identity spoofing), however neatly it "
        "took over. Position-derived velocity over a few minutes is good to tenths of a knot.",
    )
    inland_m: float = Field(
        default=1000.0,
        ge=0,
        description="A position is on land only when the land mask says land there and "
        "this far north, south, east and west of it: GSHHG's shoreline and harbour "
        "positions differ by hundreds of metres.",
    )

    # identity_spoofing (identities)
    rename_min_changes: int = Field(
        default=2,
        ge=1,
        description="Changes of name, call sign or IMO number of one MMSI within "
        "`rename_window_s` that make an event. A ship is renamed a few times in its life; "
        "twice in a day is an identity being swapped (IMO MSC/Circ. on AIS misuse).",
    )
    rename_window_s: float = Field(
        default=86400.0,
        gt=0,
        description="The window for `rename_min_changes`: one day.",
    )

    # ais_gap
    gap_min_s: float = Field(
        default=1800.0,
        gt=0,
        description="Shortest silence that is a gap, whatever the reporting interval: shore "
        "networks drop messages and fade at range, so minutes of silence are ordinary. "
        "Global Fishing Watch counts gaps from 12 h in satellite data; continuous shore "
        "coverage allows far less.",
    )
    gap_interval_factor: float = Field(
        default=30.0,
        gt=1,
        description="A silence is also a gap only when it lasts this many times the interval "
        "at which the vessel should report (ITU-R M.1371 by class, speed and status), so "
        "a slow or anchored vessel reporting every 3 minutes needs a longer silence.",
    )
    gap_min_shore_m: float = Field(
        default=2000.0,
        ge=0,
        description="A silence that starts closer than this to land is a transponder "
        "switched off at a beach, a quay or a mooring, not a gap. Global Fishing Watch "
        "leaves out gaps near shore for the same reason (they use 50 nm on the open "
        "ocean; the straits watched here are too narrow for that).",
    )
    gap_min_sog: float = Field(
        default=1.0,
        ge=0,
        description="A vessel slower than this at its last report (kn) is not counted: "
        "switching AIS off alongside or at anchor is common and lawful.",
    )
    gap_reception_window_s: float = Field(
        default=300.0,
        gt=0,
        description="Window before a silence (and after it) over which reception is measured.",
    )
    gap_min_reception: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of the reports the vessel should have sent in that window that "
        "were heard: a vessel inside coverage is heard almost always (shore networks lose a "
        "few per cent), one leaving coverage fades first.",
    )
    coverage_cell_deg: float = Field(
        default=0.25,
        gt=0,
        description="Size of the grid cells (degrees) in which receiver coverage is judged "
        "from the data itself: a cell is covered in an hour when vessels were heard in it "
        "steadily (`coverage_min_slots`).",
    )
    coverage_min_slots: int = Field(
        default=4,
        ge=1,
        le=6,
        description="Ten-minute slots of an hour in which a cell must have reports to be "
        "covered: shore receivers hear steadily, a satellite pass for a few minutes.",
    )
    coverage_min_vessels: int = Field(
        default=1,
        ge=1,
        description="Distinct vessels heard in a cell within an hour for it to count as "
        "covered; one heard steadily (`coverage_min_slots`) shows a receiver hears there.",
    )
    gap_min_covered: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="Share of the vessel's path through the silence (straight line between "
        "its reports, or dead reckoning when it never reappears) that must lie in covered "
        "cells: a silence out of range of every receiver is not a gap.",
    )

    # encounter
    encounter_max_distance_m: float = Field(
        default=500.0,
        gt=0,
        description="Two vessels this close are together. Source: Global Fishing Watch "
        "encounter events (Miller et al. 2018, Frontiers in Marine Science): 500 m.",
    )
    encounter_max_sog: float = Field(
        default=2.0,
        gt=0,
        description="Median speed (kn) of both vessels while together. Source: Global Fishing Watch, < 2 kn.",
    )
    encounter_min_duration_s: float = Field(
        default=7200.0,
        gt=0,
        description="How long two vessels stay together. Source: Global Fishing Watch, at least 2 hours.",
    )
    encounter_small_craft_min_duration_s: float = Field(
        default=1800.0,
        gt=0,
        description="Shorter stay when one of the two is a small craft (class B or no "
        "static report): boats alongside a mother ship transfer people or fuel in minutes.",
    )
    encounter_small_craft_max_length_m: float = Field(
        default=15.0,
        gt=0,
        description="A sensor track this short (median of its plots' lengths) is a small "
        "craft, as is one the sensor classifies so. Source: EU Directive 2011/15/EU, which "
        "requires AIS of fishing vessels from 15 m: shorter boats often carry none.",
    )
    encounter_sensor_max_gap_s: float = Field(
        default=1800.0,
        gt=0,
        description="Longest break in a sensor's sight of two tracks that still counts as one "
        "meeting: a patrol aircraft's radar or a coastal radar's tracker drops and regains "
        "small boats in a swell; the tracks still lie together on both sides of the break.",
    )
    encounter_max_interpolation_s: float = Field(
        default=7200.0,
        ge=0,
        description="Longest silence of a slow vessel across which its position is "
        "interpolated at each time step, as Global Fishing Watch compares tracks at steps "
        "between reports: far from receivers a small craft alongside a ship is heard only "
        "at satellite passes, an hour or more apart. Only silences whose speed made good "
        "stays under `encounter_max_sog` are bridged; 0 bridges none.",
    )
    encounter_min_anchorage_m: float = Field(
        default=10_000.0,
        ge=0,
        description="Encounters closer than this to an anchorage are left out. Source: "
        "Global Fishing Watch, at least 10 km from an anchorage. Anchorages are found in "
        "the data as GFW does: places where several vessels report being at anchor or moored.",
    )
    anchorage_min_vessels: int = Field(
        default=3,
        ge=1,
        description="Distinct vessels at anchor, moored (navigational status 1 or 5) or "
        "lying still (most of their reports in the cell at 0.5 kn or less) that make a "
        "0.05-degree cell an anchorage.",
    )
    encounter_min_shore_m: float = Field(
        default=2000.0,
        ge=0,
        description="Encounters closer than this to land (the node's land mask) are left "
        "out too: quays and breakwaters, where ships lie together without anchoring.",
    )
    encounter_bin_s: float = Field(
        default=300.0,
        gt=0,
        description="Tracks are compared at this time step (their mean position in each step).",
    )

    # loitering
    loiter_max_sog: float = Field(
        default=2.0,
        gt=0,
        description="Speed (kn) under which a vessel idles. Source: Global Fishing Watch loitering events, under 2 kn.",
    )
    loiter_min_duration_s: float = Field(
        default=7200.0,
        gt=0,
        description="How long a vessel idles in a departure-coast zone before it is an event: "
        "boats waiting off a beach for passengers or a signal idle for hours.",
    )
    loiter_max_interruption_s: float = Field(
        default=900.0,
        ge=0,
        description="Faster reports or silence within an idle spell that do not end it "
        "(a short move to hold position, a few lost class B reports).",
    )
    loiter_max_silence_s: float = Field(
        default=7200.0,
        ge=0,
        description="Longest silence within an idle spell when the vessel is heard again "
        "no further away than it could idle: far from receivers a boat is heard only at "
        "satellite passes or in the odd burst, an hour or more apart.",
    )
    loiter_min_night_share: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="Share of the idle spell that must fall at night (local solar time "
        "19:00-05:00) for it to count; 0 counts idling at any hour (night raises the score "
        "either way). A node whose coast has many bathers and anglers by day may raise it; "
        "on the simulator's central-med days 0.01-0.25 traded as much recall as precision.",
    )
    loiter_min_shore_m: float = Field(
        default=500.0,
        ge=0,
        description="Idling closer than this to land is left out: boats alongside, in "
        "marinas and fishing harbours, which GSHHG (full resolution, good to a few hundred "
        "metres) draws as coast. No further: boats waiting for passengers idle just off "
        "the beach, under 1 km from it (1.5 km missed a tenth of the simulator's loiterers).",
    )
    loiter_min_anchorage_m: float = Field(
        default=2000.0,
        ge=0,
        description="Idling closer than this to an anchorage or harbour found in the data "
        "(where several vessels lie still) is left out.",
    )
    # dark_target
    dark_gate_s: float = Field(
        default=360.0,
        gt=0,
        description="An AIS report this close in time to a sensor plot can explain it. "
        "Source: ITU-R M.1371 table 1, the longest regular interval of a vessel under way "
        "(3 min, class B CS and slow class A), doubled so one lost report does not make a "
        "vessel dark.",
    )
    dark_gate_m: float = Field(
        default=1000.0,
        gt=0,
        description="... and this close in space, plus the distance the vessel covers at its "
        "reported speed in the time between the two. Covers the position error of coastal "
        "radar (tens of metres), maritime patrol aircraft (~150 m) and satellite imagery "
        "(hundreds of metres, geolocation of optical and SAR scenes).",
    )
    dark_max_explained_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="A sensor track is dark when the vessel that keeps with it best (within "
        "the gate of most of its plots) explains at most this share of them: a dark boat "
        "passing a ship is explained for a moment.",
    )
    dark_coverage_min_slots: int = Field(
        default=6,
        ge=1,
        le=6,
        description="When the data does not name its receivers: ten-minute slots of an "
        "hour in which a cell must have AIS reports for a plot in it to count. A dark-target "
        "claim needs reception all the time, not at the fringe of range where vessels with "
        "AIS are heard now and then (on the simulator's central-med day, 4 slots doubled the "
        "false alarms, off Libya). With named receivers their footprints draw the fringe.",
    )
    dark_min_plots: int = Field(
        default=2,
        ge=1,
        description="Unexplained plots a track needs before it is an event: one plot may be "
        "clutter; two are a target (a satellite scene gives one: it needs a second look).",
    )
    # border_crossing
    border_min_side_m: float = Field(
        default=150.0,
        ge=0,
        description="A plot counts as on one side of the border only this far from the "
        "line: ground radar and camera fixes are good to tens of metres, and a patrol "
        "walking the line is no crossing.",
    )
    border_crossing_point_m: float = Field(
        default=3000.0,
        ge=0,
        description="Crossings within this distance of an official crossing point are "
        "traffic through the post (its buildings, queues and approach roads), not events.",
    )
    # departure
    departure_max_shore_m: float = Field(
        default=3000.0,
        ge=0,
        description="A boat heard this close to land in a departure-coast zone (and not in "
        "a harbour or anchorage) is at the beach it leaves from.",
    )
    departure_launch_max_sog: float = Field(
        default=2.0,
        ge=0,
        description="Near the beach, a boat slower than this (kn) is at it or pushing off; "
        "a faster one is passing along the coast, unless it is first heard there "
        "(`departure_launch_silence_s`). Small craft cruise at 5-8 kn.",
    )
    departure_launch_silence_s: float = Field(
        default=1800.0,
        ge=0,
        description="A boat first heard near the beach (its first report, or its first after "
        "a silence this long) may have just switched its transponder on as it left, at any "
        "speed.",
    )
    departure_min_offshore_m: float = Field(
        default=10000.0,
        ge=0,
        description="Where it leaves the zone it must be this far from land: out to sea, "
        "not along the coast to the next harbour.",
    )
    departure_max_hours: float = Field(
        default=12.0,
        gt=0,
        description="The beach and the open sea are at most this many hours apart; also how "
        "far back a dark track's course is run to find the coast it left (a night's crossing "
        "from Libya or Tunisia to Lampedusa takes 10-20 h at 5-8 kn).",
    )
    departure_landfall_max_nm: float = Field(
        default=300.0,
        gt=0,
        description="Where landing coasts are marked, a dark boat's closing course is run on "
        "to the first land it meets, at most this far (nm), to find the coast it makes for: "
        "the central Mediterranean's crossings run 60-300 nm (Zuwara to Lampedusa 160, "
        "Sfax to Malta 180, to south-east Sicily 250). Run for a fixed time instead, a slow "
        "boat fell short of its coast and a fast one reached past an island in its way.",
    )
    departure_min_sog: float = Field(
        default=3.0,
        ge=0,
        description="Lowest speed (kn, over a dark track's first hour, and over its last where "
        "landing coasts are marked) of a boat under way to somewhere: drifting and idling "
        "boats are not departing, and one lying stopped at sea makes for no coast.",
    )
