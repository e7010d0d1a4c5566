/* Constants shared by start.S and rt.c. */
#ifndef RT_ASM_H
#define RT_ASM_H

#define FRAME_EPC       (32 * 8)
#define FRAME_CAUSE     (33 * 8)
#define FRAME_TVAL      (34 * 8)
#define FRAME_STATUS    (35 * 8)
#define FRAME_SIZE      (36 * 8)

#define MSTATUS_FS_INITIAL  (1 << 13)
#define MSTATUS_MPP_SHIFT   11
#define MSTATUS_MPP_MASK    (3 << 11)

/* a7 value of the ecall that ends an rt_run_mode() call ("RET"). */
#define RT_ECALL_RETURN     0x524554

#endif
