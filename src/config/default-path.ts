// Where zform looks for its config without -c or $ZFORM_CONFIG (a module of its own: loading it loads nothing else).
export const DEFAULT_CONFIG_PATH = '/etc/zform/zform.yml';
