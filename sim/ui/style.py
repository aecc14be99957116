"""The live app's stylesheet (a string, so it ships inside the package).

The live app's layout. Phones (one column): the run bar stays at the top of the screen
while the KPIs, the panels and then the settings scroll under it. From 1000 px: the run
bar and settings in a 340 px column that scrolls on its own, the panels beside them. No
width is fixed beyond the viewport's, so nothing scrolls sideways.
"""

CSS = """.cs-app { max-width: 1880px; margin: 0 auto; padding: 8px 12px 24px; }
.cs-header { margin: 0 0 12px; }
.cs-title { display: block; font-size: 1.4rem; font-weight: 600; line-height: 1.3; }
.cs-facts { display: block; color: #555; overflow-wrap: anywhere; }
.cs-layout { display: flex; flex-direction: column; }
.cs-live { order: 1; }
.cs-settings { order: 2; }
.cs-side { display: contents; }
.cs-runbar { position: sticky; top: 0; z-index: 4; background: #fff; padding: 8px 0;
             border-bottom: 1px solid #ddd; margin-bottom: 12px; }
.cs-day { display: block; font-size: 1.15rem; font-weight: 600; margin-bottom: 6px; }
.cs-buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-bottom: 8px; }
.cs-settings { display: grid; gap: 12px; margin-bottom: 16px; }
.cs-group .v-card__text, .cs-group { min-width: 0; }
.cs-setting { padding: 4px 0 6px; }
.cs-setting-head { display: flex; justify-content: space-between; gap: 8px; flex-wrap: wrap; }
.cs-setting-label { color: #333; }
.cs-setting-value { font-weight: 600; white-space: nowrap; }
.cs-changed .cs-setting-value, .cs-changed .v-label { color: #b45309; }
.cs-pending-note { display: block; font-size: 0.8rem; color: #b45309; }
.cs-live { min-width: 0; margin-bottom: 16px; }
.cs-kpis { display: grid; gap: 8px; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); margin-bottom: 12px; }
.cs-kpi { border: 1px solid #ddd; border-radius: 6px; padding: 8px 10px; background: #fff; }
.cs-kpi-label { display: block; font-size: 0.8rem; color: #555; line-height: 1.2; }
.cs-kpi-value { display: block; font-size: 1.3rem; font-weight: 600; }
.cs-panels { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); }
.cs-panel { min-width: 0; border: 1px solid #ddd; border-radius: 6px; background: #fff; overflow: hidden; }
@media (min-width: 1000px) {
  .cs-layout { display: grid; gap: 20px; grid-template-columns: 340px minmax(0, 1fr); align-items: start; }
  .cs-side { display: block; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; padding-right: 4px; }
}
@media (min-width: 1400px) {
  .cs-panels { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .cs-panel-kpis { grid-row: span 3; }
}
"""
