/** Git with no system or user configuration and a fixed author: test repositories are the same on every machine. */
export const HERMETIC_GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ines Duarte',
  GIT_AUTHOR_EMAIL: 'ines.duarte@example.org',
  GIT_COMMITTER_NAME: 'Ines Duarte',
  GIT_COMMITTER_EMAIL: 'ines.duarte@example.org',
};
