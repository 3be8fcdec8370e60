export const DESK_PAGE_HTML = '<!doctype html><title>ccm</title>';
