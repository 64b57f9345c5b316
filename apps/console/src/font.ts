/** The bundled Noto Sans SC first (loaded in main.tsx), then the system's Chinese fonts. */
export const CONSOLE_FONT_FAMILY =
  '"Noto Sans SC", -apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif';
