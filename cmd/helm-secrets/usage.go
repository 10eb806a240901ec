package main

// The texts below follow the shell plugin's wording (scripts and tests grep
// for their first lines), adapted where we behave better.

const dirUsage = `helm secrets dir

Get plugin directory

Prints $HELM_PLUGIN_DIR, else the directory this plugin is installed in.

`

const patchUsage = `helm secrets patch [unix|windows]

Accepted for compatibility with the shell plugin, which rewrote its
plugin.yaml for Windows. This plugin is a native binary on every platform:
there is nothing to patch.

`
